"""The reading rules of docs/reading.md, from hand-made messages: check-ins, non-reports, LAPOR variants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kondusif.intake import vocab
from kondusif.intake.chat import ChatMessage
from kondusif.intake.messages import read_message
from kondusif.model import Category, Severity

WHEN = datetime(2018, 6, 27, 0, 10, tzinfo=UTC)  # 07.10 WIB on voting day
MAJAPAHIT, DEMPO, KAYU_ARA, LUBUK_AMAN = "16.73.01.1002", "16.73.05.1004", "16.73.02.1001", "16.73.02.1016"


def read(text: str, sender: str = "Pak Hasan", channel: str = "whatsapp", default: str | None = None):
    return read_message(ChatMessage(1, 1, channel, WHEN, sender, text), default)


# --------------------------------------------------------------------------- check-ins

@pytest.mark.parametrize("text", [
    "AMAN", "aman", "Aman pak", "aman terkendali", "Situasi aman", "kondusif", "Nihil", "NIHIL pak lurah",
    "Alhamdulillah aman terkendali 🙏", "aman galo, dak ado kejadian", "Wilayah kami aman nian pak",
    "situasi kondusif, tidak ada kejadian menonjol", "nihil, tidak ada bagi bagi amplop",
])
def test_calm_messages_are_checkins_for_the_senders_rt(text):
    r = read(text, sender="Pak Jamil RT 06 Majapahit")
    assert r.outcome == "checkin"
    assert (r.raw["rt"], r.raw["kelurahan"]) == (6, MAJAPAHIT)
    assert r.raw["occurred_at"] == WHEN and r.raw["reporter_name"] == "Pak Jamil RT 06 Majapahit"
    assert r.raw["description"] == text
    assert r.guess["kategori"] == [] and r.guess["rt"] == 6


def test_checkin_names_its_rt_and_kelurahan_in_the_text():
    r = read("AMAN RT 004 Kayu Ara", sender="+6281377712345", channel="sms")
    assert r.outcome == "checkin" and (r.raw["rt"], r.raw["kelurahan"]) == (4, KAYU_ARA)
    assert r.raw["reporter_phone"] == "+6281377712345" and r.raw["reporter_name"] is None


def test_checkin_naming_a_tps_is_still_a_checkin():
    r = read("TPS 12 RT 3 Dempo aman terkendali, pemungutan suara lancar")
    assert r.outcome == "checkin" and (r.raw["rt"], r.raw["kelurahan"]) == (3, DEMPO)


def test_a_kelurahan_named_aman_is_not_a_calm_word():
    assert vocab.is_calm("RT 2 Lubuk Aman") is False
    r = read("situasi RT 2 Lubuk Aman aman")
    assert r.outcome == "checkin" and r.raw["kelurahan"] == LUBUK_AMAN
    r = read("baliho paslon 1 dirobek di RT 2 Lubuk Aman")
    assert r.outcome == "report" and r.raw["category"] == Category.PERUSAKAN_APK


def test_checkin_in_a_group_of_one_kelurahan():
    r = read("aman bu", sender="Pak Udin RT 11", default=DEMPO)
    assert r.outcome == "checkin" and (r.raw["rt"], r.raw["kelurahan"]) == (11, DEMPO)


def test_checkin_without_place_says_what_is_missing():
    r = read("aman")
    assert r.outcome == "checkin" and r.raw["rt"] is None and "nomor RT tidak disebut" in r.reason


@pytest.mark.parametrize("text", [
    "tidak aman pak, ada orang bawa parang", "RT 4 Dempo dak aman, pendukung ribut",
    "aman tapi tadi ada amplop dibagi di RT 4 Dempo", "Situasi aman, cuma ada baliho dirobek di RT 4 Dempo",
])
def test_calm_words_with_trouble_are_not_checkins(text):
    assert read(text).outcome != "checkin"
    assert vocab.is_calm(text) is False


# --------------------------------------------------------------------------- not reports

@pytest.mark.parametrize("text, sender, reason", [
    ("Bapak/Ibu Ketua RT se-Kelurahan Dempo dimohon membalas AMAN jika lingkungan tenang", "Lurah Dempo",
     "petunjuk"),
    ("Format lapor: LAPOR <kategori> <tingkat> RT <nomor> <kelurahan>: <uraian>", "Admin Panwas", "format"),
    ("Misal: LAPOR apk ringan RT 08 Dempo: spanduk disobek orang", "Lurah Dempo", "format"),
    ("RT 02, RT 07 dan RT 15 belum kirim kabar pagi ini", "Sekretaris Lurah", "pengingat"),
    ("Pengumuman KPU Kota Lubuklinggau: rekapitulasi tingkat PPK dimulai besok pukul 09.00", "Humas KPU",
     "pemberitahuan"),
    ("Diteruskan: HATI-HATI HOAKS, pesan bahwa TPS 05 Dempo dipindah itu tidak benar", "Bu Ratna", "terusan"),
    ("terima kasih laporannya pak RT, sudah kami teruskan ke Panwascam", "Panwaslu Kota", "bukan laporan"),
    ("Kapan batas akhir laporan aman siang ini?", "Pak Hasan", "pertanyaan"),
])
def test_messages_about_reporting_are_not_reports(text, sender, reason):
    r = read(text, sender=sender)
    assert r.outcome == "rejected" and reason in r.reason and "bukan laporan" in r.reason


def test_question_naming_an_incident_and_a_place_goes_to_a_person():
    r = read("Pak, apakah bagi-bagi sembako di RT 05 Dempo tadi sore termasuk politik uang?")
    assert r.outcome == "review" and "pertanyaan" in r.reason


def test_quoted_text_alone_is_not_a_report():
    r = read("> LAPOR uang berat RT 4 Dempo: amplop beredar")
    assert r.outcome == "rejected" and "kutipan" in r.reason


# --------------------------------------------------------------------------- LAPOR lines

@pytest.mark.parametrize("text, cat, sev, rt, kel", [
    ("LAPOR uang berat RT 7 Majapahit amplop isi 100rb dibagi ke ibu-ibu pengajian", Category.POLITIK_UANG,
     Severity.BERAT, 7, MAJAPAHIT),  # no colon
    ("lapor: APK ringan rt.08 Dempo: spanduk paslon disobek", Category.PERUSAKAN_APK, Severity.RINGAN, 8, DEMPO),
    ("LAPOR intimidasi sedang RT5 Kayu Ara warga diancam tdk dpt bantuan", Category.INTIMIDASI, Severity.SEDANG,
     5, KAYU_ARA),
    ("Lapor hoaks brat RT 006 kel. Dempo: pesan berantai fitnah paslon", Category.KAMPANYE_HITAM, Severity.BERAT,
     6, DEMPO),  # misspelled severity, RT with zeros, "kel." before the name
    ("LAPOR money politik sdg rt 04 Majapahit: sembako dibagi", Category.POLITIK_UANG, Severity.SEDANG, 4,
     MAJAPAHIT),
    ("LAPOR serangan fajar berat RT 3 Kayu Ara: subuh ada yg bagi duit", Category.POLITIK_UANG, Severity.BERAT, 3,
     KAYU_ARA),
    ("LAPOR baliho dirusak ringan RT 02 Dempo: dicoret cat semprot", Category.PERUSAKAN_APK, Severity.RINGAN, 2,
     DEMPO),
    ("🚨 LAPOR bentrok berat RT 9 Majapahit", Category.BENTROKAN, Severity.BERAT, 9, MAJAPAHIT),
])
def test_lapor_variants_are_filed_with_the_stated_code_and_severity(text, cat, sev, rt, kel):
    r = read(text)
    assert r.outcome == "report" and r.via == "format"
    assert vocab.match_category(r.raw["category"]) == cat
    assert vocab.match_severity(r.raw["severity"]) == sev
    assert r.raw["rt"] == rt and r.guess["kelurahan"] == kel


def test_stated_code_and_severity_win_over_the_description():
    r = read("LAPOR apk ringan RT 4 Dempo: tim sukses juga bagi amplop, ada yg luka kena batu")
    assert r.outcome == "report"
    assert vocab.match_category(r.raw["category"]) == Category.PERUSAKAN_APK and r.raw["severity"] == "ringan"


def test_lapor_without_severity_is_sedang_and_says_so():
    r = read("LAPOR tps RT 1 Majapahit: saksi dilarang masuk")
    assert r.outcome == "report" and r.raw["severity"] == "sedang" and "dianggap sedang" in r.reason


def test_lapor_with_an_unknown_code_goes_to_a_person_naming_it():
    r = read("LAPOR banjir berat RT 3 Dempo: air masuk rumah")
    assert r.outcome == "review" and "banjir" in r.reason


def test_free_text_severity_only_from_words_that_say_it():
    plain = read("spanduk paslon 2 dibakar orang tak dikenal di RT 3 Dempo")
    assert plain.outcome == "report" and plain.raw["severity"] == Severity.SEDANG
    assert "dianggap sedang" in plain.reason
    hurt = read("pendukung paslon ribut di RT 3 Dempo, dua org luka dilarikan ke puskesmas")
    assert hurt.raw["category"] == Category.BENTROKAN and hurt.raw["severity"] == Severity.BERAT
    calm_hurt = read("ribut mulut di RT 3 Dempo, dak katek yg luka")
    assert calm_hurt.raw["severity"] == Severity.SEDANG


def test_everyday_lubuklinggau_writing():
    r = read("wong bagi2 duit galo di RT 10 Majapahit kagek malam, sdh byk yg nerimo")
    assert r.outcome == "report" and r.raw["category"] == Category.POLITIK_UANG
    assert (r.raw["rt"], r.raw["kelurahan"]) == (10, MAJAPAHIT)


def test_a_time_with_a_colon_in_a_lapor_line_without_colon_is_description():
    r = read("LAPOR uang berat RT 6 Dempo amplop dibagi jam 21:15 di pos ronda")
    assert r.outcome == "report" and r.raw["kelurahan"] == "Dempo"
    assert r.raw["description"] == "amplop dibagi jam 21:15 di pos ronda"


# --------------------------------------------------------------------------- rules added after the corpus' second part
# (docs/reading.md; hand-made messages, none taken from the corpus)

SUKAJADI, TABA_KOJI = "16.73.02.1009", "16.73.01.1015"


def test_the_quiet_period_is_a_time_not_a_calm_word():
    text = "Pak, ado tim paslon pasang stiker keliling kampung di RT 9 malam ini, padahal masa tenang"
    assert vocab.is_calm(text) is False
    r = read(text, sender="Pak Bujang RT 09 Sukajadi")
    assert (r.outcome, r.raw["category"], r.raw["rt"], r.raw["kelurahan"]) == (
        "report", Category.KAMPANYE_LUAR_JADWAL, 9, SUKAJADI)
    r = read("Hari pertama masa tenang, RT 3 aman terkendali", sender="Pak Bujang RT 03 Sukajadi")
    assert r.outcome == "checkin" and r.raw["rt"] == 3


def test_quiet_period_does_not_outvote_a_named_incident():
    r = read("masa tenang tapi tim paslon masih bagi amplop 50rb di RT 9", sender="Pak Bujang RT 09 Sukajadi")
    assert (r.outcome, r.raw["category"]) == ("report", Category.POLITIK_UANG)


@pytest.mark.parametrize("text", [
    "Kepala sekolah SMP di RT 6 kumpulkan wali murid, minta pilih paslon nomor 2",
    "Perangkat kelurahan ikut foto bersama paslon di posko RT 6",
    "Ada pegawai dinas sosial bawa mobil dinas ke acara tim sukses di RT 6",
    "Seklur ikut acung jari 3 waktu paslon datang ke RT 6",
])
def test_officials_taking_sides_are_netralitas(text):
    r = read(text, sender="Bu Warsih RT 06 Taba Koji")
    assert (r.outcome, r.raw["category"], r.raw["rt"], r.raw["kelurahan"]) == (
        "report", Category.NETRALITAS, 6, TABA_KOJI), r.reason


def test_greeting_the_lurah_does_not_make_a_report_about_the_lurah():
    r = read("Bu lurah, warga RT 6 disuruh tanda tangan dukung paslon 2, kalau dak mau dicatat namanya",
             sender="Bu Warsih RT 06 Taba Koji")
    assert (r.outcome, r.raw["category"]) == ("report", Category.INTIMIDASI), r.reason


@pytest.mark.parametrize("text, cat", [
    ("Rumah ketua relawan paslon 1 di RT 2 dilempari batu tengah malam", Category.INTIMIDASI),
    ("Ado yg bilang ke warga RT 2 kalau tidak pilih paslon 1 gang kami dak diaspal", Category.INTIMIDASI),
    ("Beredar video rekayasa paslon 3 menghina suku lain di grup warga RT 2", Category.KAMPANYE_HITAM),
    ("Tembok rumah calon di RT 2 ditulisi PKI pake cat semprot", Category.KAMPANYE_HITAM),
    ("Banner paslon di pos ronda RT 2 digunting orang subuh tadi", Category.PERUSAKAN_APK),
    ("Baliho paslon terpasang di pagar SD negeri RT 2", Category.KAMPANYE_LUAR_JADWAL),
    ("Tim paslon bagiin gula 2 kg ke ibu2 pengajian di RT 2", Category.POLITIK_UANG),
])
def test_more_words_for_the_categories(text, cat):
    r = read(text, sender="Pak Amran RT 02 Dempo")
    assert (r.outcome, r.raw["category"], r.raw["rt"]) == ("report", cat, 2), r.reason


def test_apk_damaged_is_still_perusakan():
    r = read("APK paslon 2 di RT 2 dirusak, tiangnya patah", sender="Pak Amran RT 02 Dempo")
    assert (r.outcome, r.raw["category"]) == ("report", Category.PERUSAKAN_APK)


@pytest.mark.parametrize("text, cat, sev, rt, kel", [
    ("#LAPOR#BENTROK#BERAT#RT12#DEMPO#dua kelompok pemuda baku hantam", "BENTROK", "berat", 12, "DEMPO"),
    ("LAPOR bentrk sedang RT 2 Dempo: adu jotos di warung", Category.BENTROKAN, "sedang", 2, "Dempo"),
    ("LAPOR kampnye ringan RT 4 Dempo: orasi paslon di halaman masjid", Category.KAMPANYE_LUAR_JADWAL, "ringan", 4,
     "Dempo"),
    ("LAPOR uang sedang RT 2 Sukajad amplop 20rb di warung", "uang", "sedang", 2, "Sukajad"),
])
def test_lapor_spellings_people_type(text, cat, sev, rt, kel):
    r = read(text, sender="+6281377700011", channel="sms")
    assert r.outcome == "report", r.reason
    assert (r.raw["category"], r.raw["severity"], r.raw["rt"], r.raw["kelurahan"]) == (cat, sev, rt, kel)


def test_a_short_misspelled_code_is_never_guessed():
    r = read("LAPOR uamg berat RT 3 Dempo: amplop", sender="+6281377700011", channel="sms")
    assert r.outcome == "review" and "uamg" in r.reason


def test_lapor_followed_by_a_sentence_reads_the_sentence():
    r = read("Lapor pak lurah, ada caleg bagi sembako atas nama paslon di RT 8 Dempo", sender="+6281377700011",
             channel="sms")
    assert (r.outcome, r.raw["category"], r.raw["rt"], r.raw["kelurahan"]) == (
        "report", Category.POLITIK_UANG, 8, DEMPO), r.reason


@pytest.mark.parametrize("text", [
    "Ralat pak, maksud sy RT 12 bukan RT 2",
    "Sudah sy teruskan ke PPL pak RT 4",
    "Pak RT 3 tolong dicek ke lokasi dulu ya",
    "Izin dak datang rapat malam ini pak, RT 5",
    "Jgn lupa kirim kabar aman sebelum jam 9 ya bapak2",
    "PANWASCAM: laporkan dugaan pelanggaran ke PPL kelurahan masing2",
    "Mulai besok RT wajib lapor tiap pagi",
])
def test_follow_ups_and_instructions_are_not_reports(text):
    assert read(text, sender="Pak Lurah Dempo").outcome == "rejected"


def test_a_correction_naming_an_incident_is_still_read():
    r = read("Ralat: amplopnya di RT 6, bukan RT 5", sender="Pak Amran RT 02 Dempo")
    assert r.outcome != "rejected" and r.guess["kategori"] == ["politik_uang"]


def test_a_question_followed_by_a_short_remark_is_a_question():
    assert read("Betul dak TPS 3 dipindah ke balai? Sy dengar dr warga", sender="Pak Amran RT 02 Dempo").outcome \
        == "rejected"
    r = read("Apa ini termasuk politik uang? bagi sembako di RT 5 Dempo")
    assert r.outcome == "review" and "pertanyaan" in r.reason


def test_saying_one_will_report_goes_to_a_person():
    r = read("Sy mau lapor pak, ada yg bagi beras di RT 4 Dempo")
    assert r.outcome == "review" and "mau lapor" in r.reason


def test_reduplicated_nothing_is_calm():
    r = read("RT 7 dak ado apo2 pak", sender="Pak Amran RT 07 Dempo")
    assert r.outcome == "checkin" and r.raw["rt"] == 7


@pytest.mark.parametrize("value, expected", [
    ("camat_tidak_netral", Category.NETRALITAS), ("rt_berpihak", Category.NETRALITAS),
    ("pemberian_uang", Category.POLITIK_UANG), ("amplop_atau_intimidasi", None), ("uang_dan_teror", None),
])
def test_form_choice_names_added(value, expected):
    assert vocab.match_category(value) == expected


@pytest.mark.parametrize("value, expected", [("sedang_aja", Severity.SEDANG), ("berat_saja", Severity.BERAT)])
def test_form_severity_with_saja(value, expected):
    assert vocab.match_severity(value) == expected


def test_asking_leave_is_not_a_report_even_with_a_denial_in_it():
    r = read("Bu lurah, sy izin dak ikut gotong royong besok, RT 5 ada hajatan", sender="Pak Amran RT 05 Dempo")
    assert r.outcome == "rejected", r.reason


def test_a_question_whether_a_named_place_saw_a_violation_goes_to_a_person():
    r = read("Pak, caleg bagi kalender di RT 3 Dempo itu termasuk pelanggaran dak?")
    assert r.outcome == "review" and "pertanyaan" in r.reason
    assert read("Pak, bagi kalender itu termasuk pelanggaran dak?").outcome == "rejected"


def test_telling_people_what_to_type_is_not_a_checkin():
    text = "Ibu bapak, besok pagi sblm jam 8 situasi wilayah ketik AMAN kalau tidak ada kejadian"
    assert vocab.is_calm(text) is False
    assert read(text, sender="Lurah Dempo").outcome == "rejected"
