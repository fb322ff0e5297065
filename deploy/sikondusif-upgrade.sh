#!/usr/bin/env bash
# Memperbarui SiKondusif tanpa 502 (issue 31): skema dulu, lalu proses aplikasi SATU PER SATU.
#   cd /opt/sikondusif && git pull && make install && deploy/sikondusif-upgrade.sh
# 1. sikondusif-migrate (peran pemilik) memperbarui skema; gagal = berhenti, proses lama tetap jalan.
# 2. Setiap sikondusif@PORT yang aktif di-restart bergantian; yang berikutnya baru di-restart
#    sesudah yang ini menjawab sehat di http://127.0.0.1:PORT/_stcore/health. Selama itu nginx
#    mengirim peramban ke proses lain (proxy_next_upstream), jadi selalu ada proses yang melayani.
# 3. Sesudah semua proses aplikasi sehat, pekerja latar (sikondusif-worker) di-restart bila berjalan
#    (try-restart): ia menyelesaikan peristiwa yang sedang ditangani lalu mulai dengan versi baru.
#    Sebelumnya unit lama sikondusif-sms-gateway (pembaca Gammu terpisah, kini bagian pekerja latar)
#    dimatikan bila masih terpasang, dan SIKONDUSIF_GAMMU_DB di sikondusif.env diganti namanya
#    menjadi KONDUSIF_GAMMU_DB, agar pekerja latar membaca SMS modem.
# 4. Proses yang tidak sehat dalam SIKONDUSIF_UPGRADE_WAIT detik (bawaan 90): berhenti dengan
#    galat; proses lain belum disentuh dan tetap melayani.
# Lingkungan: SYSTEMCTL (bawaan systemctl), SIKONDUSIF_UPGRADE_WAIT, SIKONDUSIF_PORTS (mis.
#   "8501 8502"; bawaan: unit sikondusif@PORT yang aktif), SIKONDUSIF_ETC (bawaan /etc/sikondusif).
set -euo pipefail
read -r -a SYSTEMCTL_CMD <<< "${SYSTEMCTL:-systemctl}"
WAIT="${SIKONDUSIF_UPGRADE_WAIT:-90}"
ETC="${SIKONDUSIF_ETC:-/etc/sikondusif}"

ports="${SIKONDUSIF_PORTS:-}"
if [ -z "$ports" ]; then
  ports=$("${SYSTEMCTL_CMD[@]}" list-units --type=service --state=active --plain --no-legend 'sikondusif@*.service' \
          | sed -n 's/^sikondusif@\([0-9][0-9]*\)\.service.*/\1/p' | sort -n | tr '\n' ' ')
fi
if [ -z "${ports// /}" ]; then
  echo "Galat: tidak ada unit sikondusif@PORT yang aktif; jalankan dulu langkah 7 README (Produksi)." >&2
  exit 2
fi

healthy() {  # port
  python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_stcore/health", timeout=3) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
PY
}

echo "Skema: sikondusif-migrate ..."
"${SYSTEMCTL_CMD[@]}" restart sikondusif-migrate.service

for port in $ports; do
  echo "Proses $port: restart ..."
  "${SYSTEMCTL_CMD[@]}" restart "sikondusif@$port.service"
  waited=0
  until healthy "$port"; do
    if [ "$waited" -ge "$WAIT" ]; then
      echo "Galat: proses $port tidak sehat dalam $WAIT detik; berhenti di sini (proses berikutnya belum" \
           "di-restart). Lihat /var/log/sikondusif/aplikasi-$port.log." >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "Proses $port: sehat."
done
if "${SYSTEMCTL_CMD[@]}" list-unit-files --no-legend sikondusif-sms-gateway.service | grep -q sikondusif-sms-gateway; then
  echo "Unit lama sikondusif-sms-gateway dimatikan: SMS modem kini dibaca pekerja latar (sikondusif-worker)."
  "${SYSTEMCTL_CMD[@]}" disable --now sikondusif-sms-gateway.service
  echo "Hapus berkasnya: rm /etc/systemd/system/sikondusif-sms-gateway.service && systemctl daemon-reload"
fi
if grep -q '^SIKONDUSIF_GAMMU_DB=' "$ETC/sikondusif.env" 2>/dev/null; then
  sed -i 's/^SIKONDUSIF_GAMMU_DB=/KONDUSIF_GAMMU_DB=/' "$ETC/sikondusif.env"
  echo "$ETC/sikondusif.env: SIKONDUSIF_GAMMU_DB diganti namanya menjadi KONDUSIF_GAMMU_DB (pekerja latar)."
fi
echo "Pekerja latar: restart bila berjalan ..."
"${SYSTEMCTL_CMD[@]}" try-restart sikondusif-worker.service
if "${SYSTEMCTL_CMD[@]}" is-active --quiet sikondusif-worker.service; then
  echo "Selesai: semua proses ($ports) dan pekerja latar berjalan dengan versi baru."
else
  echo "Selesai: semua proses ($ports) berjalan dengan versi baru."
  echo "PERHATIAN: pekerja latar (sikondusif-worker) TIDAK berjalan: tanpa dia tidak ada peringatan Rawan," \
       "pemeriksaan berkas impor dan SMS modem. Jalankan: systemctl enable --now sikondusif-worker" >&2
fi
