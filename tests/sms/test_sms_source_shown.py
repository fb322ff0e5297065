"""Source `sms` shows like the others: map layer, workbench, exports, filter; hostile text stays text."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sms_helpers import RT_PHONE, register_rt

from kondusif import exports, filters, overview, store, workbench
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.sms import InboundSms, receive_sms

WIB = ZoneInfo("Asia/Jakarta")
PANWASLU = Viewer("panwas", Role.PANWASLU, "Panwaslu Kota")
PEJABAT = Viewer("pejabat", Role.PEJABAT, "Pejabat")


def _file(engine, text: str, mid: str = "1") -> str:
    out = receive_sms(InboundSms("smssync", mid, RT_PHONE, text, datetime(2018, 6, 27, 10, 15, tzinfo=WIB)),
                      engine=engine)
    assert out.status == "laporan"
    return out.incident_number


def test_an_sms_report_is_on_the_map_in_the_workbench_and_in_exports(engine):
    register_rt(engine)
    no = _file(engine, "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan")
    flt = filters.Filter(as_of=date(2018, 6, 27), source=("sms",))
    period = flt.resolve()
    q = flt.query_between(period.start, period.end)
    assert store.count_incidents(engine, q, PANWASLU) == 1
    assert overview.page_data(engine, PANWASLU, flt, period).map.frame["report_no"].tolist() == [no]
    rows = workbench.page_rows(engine, q, PANWASLU)
    assert rows["report_no"].tolist() == [no] and workbench.source_label(rows["source"].iloc[0]) == "SMS langsung"
    frame = exports.export_frame(engine, q, PANWASLU)
    assert frame["sumber"].tolist() == ["SMS langsung"] and frame["telepon_pelapor"].tolist() == [RT_PHONE]
    hidden = exports.export_frame(engine, q, PEJABAT)
    assert "telepon_pelapor" not in hidden.columns and RT_PHONE not in hidden.astype(str).to_string()
    assert "Sumber SMS langsung" in flt.describe()


def test_hostile_sms_text_is_stored_as_text_and_neutralised_in_exports(engine):
    register_rt(engine)
    _file(engine, "LAPOR uang berat RT 3 Air Kuti: =HYPERLINK(\"http://x\") <script>alert(1)</script>")
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert row["description"] == "=HYPERLINK(\"http://x\") <script>alert(1)</script>"
    _, data, _ = exports.export(engine, None, PANWASLU, "csv")
    assert b"'=HYPERLINK" in data and b',=HYPERLINK' not in data and b';=HYPERLINK' not in data


def test_an_overlong_sms_is_cut_not_refused(engine):
    register_rt(engine)
    _file(engine, "LAPOR uang berat RT 3 Air Kuti: " + "amplop " * 600)
    with engine.connect() as conn:
        text = conn.execute(store.sms_messages.select()).mappings().first()["text"]
    assert len(text) == 2000
