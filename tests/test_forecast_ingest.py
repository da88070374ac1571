"""Ingest: contact logs and interval exports from files and SQL, time zones, bad input."""

import re
import sqlite3

import numpy as np
import pandas as pd
import pytest

from forecast.ingest import Columns, ingest, read_source, reaggregate
from forecast_helpers import REAL, iso, make_history
from core.errors import InputError

TZ = "Europe/Malta"


def contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "Created At": ["2026-03-02T09:01:00", "2026-03-02T09:14:59", "2026-03-02T09:15:00", "2026-03-02T10:40:00"],
        "Channel": ["chat", "chat", "chat", "email"],
        "handle_seconds": [100, 300, None, 50],
        "abandoned": ["false", "true", "0", "1"],
    })


def test_a_contact_log_is_counted_into_local_intervals():
    result = ingest(contacts(), timezone=TZ, interval_minutes=15)
    frame = result.frame.set_index(["queue", "interval_start"])
    nine = pd.Timestamp("2026-03-02 09:00", tz=TZ)
    assert frame.loc[("chat", nine), "volume"] == 2
    assert frame.loc[("chat", nine), "aht_seconds"] == 200
    assert frame.loc[("chat", nine), "abandoned"] == 1
    assert frame.loc[("chat", nine + pd.Timedelta("15min")), "volume"] == 1
    assert frame.loc[("email", pd.Timestamp("2026-03-02 10:30", tz=TZ)), "volume"] == 1
    assert len(result.frame) == 2 * 96  # every interval of the day, zeros where nobody came
    assert result.shape == "contacts"
    assert any("no UTC offset: read as Europe/Malta local time" in note for note in result.notes)


def test_right_closed_bins_put_a_boundary_arrival_in_the_interval_before():
    frame = ingest(contacts(), timezone=TZ, interval_minutes=15, closed="right").frame.set_index(["queue", "interval_start"])
    assert frame.loc[("chat", pd.Timestamp("2026-03-02 09:00", tz=TZ)), "volume"] == 3


def test_offsets_are_converted_to_the_site_zone():
    table = pd.DataFrame({"timestamp": ["2026-03-02T08:00:00Z", "2026-03-02T08:30:00Z"], "calls": [5, 7]})
    result = ingest(table, timezone=TZ)
    assert list(result.frame["interval_start"]) == [pd.Timestamp("2026-03-02 09:00", tz=TZ),
                                                    pd.Timestamp("2026-03-02 09:30", tz=TZ)]
    assert result.shape == "intervals" and not any("no UTC offset" in n for n in result.notes)


def test_columns_can_be_named():
    table = pd.DataFrame({"when": ["2026-03-02T08:00:00+01:00"], "n": [3], "line": ["x"]})
    frame = ingest(table, timezone=TZ, columns=Columns(timestamp="when", volume="n", queue="line")).frame
    assert frame[["queue", "volume"]].values.tolist() == [["x", 3.0]]


def test_reaggregation_keeps_local_intervals_across_dst():
    history = make_history(days=2, minutes=15, start="2026-10-25")  # clocks go back on the 25th
    coarse = reaggregate(history, 60)
    first_day = coarse[coarse["interval_start"].dt.date == pd.Timestamp("2026-10-25").date()]
    assert len(first_day) == 25
    assert coarse["volume"].sum() == history["volume"].sum()
    with pytest.raises(InputError, match="--interval must be a multiple of the data's 15-minute intervals; got 20 "):
        reaggregate(history, 20)


def test_an_interval_from_the_config_is_named_as_the_config_setting():
    table = iso(make_history(days=1, minutes=15))
    with pytest.raises(InputError, match=r"^\[site\] interval_minutes must be a multiple of the data's 15-minute "
                                         r"intervals; got 10 minutes; choose 15 \(the data's own\) or a multiple "
                                         r"such as 30$"):
        ingest(table, timezone=TZ, interval_minutes=10, interval_source="[site] interval_minutes")


def test_a_wall_time_skipped_by_dst_moves_forward():
    table = pd.DataFrame({"timestamp": ["2026-03-29T01:30:00", "2026-03-29T02:30:00", "2026-03-29T03:00:00"],
                          "volume": [1, 2, 3]})
    result = ingest(table, timezone=TZ)
    assert result.frame["volume"].tolist() == [1, 5]
    assert any("skipped when clocks went forward" in note for note in result.notes)


def naive_autumn_day(queues: tuple[str, ...] = ("chat", "email")) -> pd.DataFrame:
    """A naive local-time hourly export of the day clocks go back: 02:00 appears twice per queue."""
    hours = [f"2026-10-25T{h:02d}:00:00" for h in (0, 1, 2, 2, *range(3, 24))]
    return pd.DataFrame({"interval_start": hours * len(queues), "queue": np.repeat(queues, len(hours)),
                         "volume": np.arange(len(hours) * len(queues))})


def test_the_repeated_autumn_hour_of_a_naive_export_is_two_intervals_by_order():
    result = ingest(naive_autumn_day(), timezone=TZ)
    chat = result.frame[result.frame["queue"] == "chat"].set_index("volume")["interval_start"]
    assert len(chat) == 25 and chat.is_unique  # a 25-hour day
    assert chat[2].isoformat() == "2026-10-25T02:00:00+02:00"  # the first copy is summer time
    assert chat[3].isoformat() == "2026-10-25T02:00:00+01:00"  # the second is standard time
    assert result.frame["volume"].sum() == naive_autumn_day()["volume"].sum()


def test_a_lone_copy_of_the_repeated_autumn_hour_is_summer_time():
    table = naive_autumn_day(("chat",)).drop(index=3)
    frame = ingest(table, timezone=TZ).frame
    assert len(frame) == 24
    assert frame.loc[frame["volume"] == 2, "interval_start"].item().isoformat() == "2026-10-25T02:00:00+02:00"


@pytest.mark.parametrize("extra, where", [
    ("2026-10-25T02:00:00", "2026-10-25T02:00:00+01:00"),  # a third 02:00 is one too many
    ("2026-10-25T09:00:00", "2026-10-25T09:00:00+01:00"),  # an ordinary hour of that day
])
def test_real_duplicates_on_the_autumn_day_are_still_reported(extra, where):
    table = pd.concat([naive_autumn_day(("chat",)), pd.DataFrame({"interval_start": [extra], "queue": ["chat"],
                                                                  "volume": [99]})])
    with pytest.raises(InputError, match=re.escape(f"interval_start has duplicate rows for the same queue at {where} "
                                                   f"(queue chat); keep one row per queue and interval")):
        ingest(table, timezone=TZ)


def test_identical_rows_of_a_contact_log_are_dropped_as_export_duplicates():
    log = contacts()
    result = ingest(pd.concat([log, log.iloc[[0, 0, 3]]]), timezone=TZ, interval_minutes=15)
    frame = result.frame.set_index(["queue", "interval_start"])
    assert frame.loc[("chat", pd.Timestamp("2026-03-02 09:00", tz=TZ)), "volume"] == 2
    assert frame["volume"].sum() == len(log)
    assert "3 row(s) identical to an earlier row in every column dropped as export duplicates" in result.notes


def test_repeats_in_a_log_of_only_arrival_and_queue_are_kept_with_a_note():
    log = contacts()[["Created At", "Channel"]]
    result = ingest(pd.concat([log, log.iloc[[0]]]), timezone=TZ, interval_minutes=15)
    assert result.frame["volume"].sum() == len(log) + 1
    assert ("1 row(s) repeat an earlier row's Created At and Channel: counted as separate contacts (they can be "
            "real); remove them from the export if they are duplicates") in result.notes


def test_sqlite_is_the_embedded_default(tmp_path):
    path = tmp_path / "history.db"
    with sqlite3.connect(path) as connection:
        iso(make_history(days=1)).to_sql("intervals", connection, index=False)
    frame = ingest(read_source(path, query="SELECT * FROM intervals"), timezone=TZ).frame
    assert len(frame) == 48


# ---------------------------------------------------------------- bad input, one test each

def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match="empty.csv is empty; give a file with a header row and data"):
        read_source(path)


def test_a_missing_timestamp_column():
    with pytest.raises(InputError, match="history has no timestamp column; found calls, queue"):
        ingest(pd.DataFrame({"calls": [1], "queue": ["a"]}), timezone=TZ)


def test_unparseable_timestamps():
    table = pd.DataFrame({"interval_start": ["2026-03-02T09:00:00", "yesterday"], "volume": [1, 2]})
    with pytest.raises(InputError, match="interval_start must be ISO 8601 timestamps .* got 'yesterday' in data row 2"):
        ingest(table, timezone=TZ)


def test_duplicate_timestamps():
    table = pd.DataFrame({"interval_start": ["2026-03-02T09:00:00"] * 2, "volume": [1, 2]})
    with pytest.raises(InputError, match="interval_start has duplicate rows for the same queue at 2026-03-02T09:00:00"):
        ingest(table, timezone=TZ)


def test_mixed_time_zones():
    table = pd.DataFrame({"interval_start": ["2026-03-02T09:00:00+01:00", "2026-03-02T09:30:00"], "volume": [1, 2]})
    with pytest.raises(InputError, match="interval_start mixes timestamps with and without a UTC offset"):
        ingest(table, timezone=TZ)


def test_negative_volumes():
    table = pd.DataFrame({"interval_start": ["2026-03-02T09:00:00", "2026-03-02T09:30:00"], "volume": [1, -3]})
    with pytest.raises(InputError, match=r"volume must be >= 0; got -3 at 2026-03-02T09:30:00\+01:00 \(queue default\); fix or drop"):
        ingest(table, timezone=TZ)


def test_negative_handle_seconds():
    log = contacts().assign(handle_seconds=[100, -5, None, 50])
    with pytest.raises(InputError, match=r"handle_seconds must be in \[0, 86,400\]; got -5.0 at 2026-03-02 09:14:59"):
        ingest(log, timezone=TZ)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("aht", [True, False])
def test_an_absurd_volume_is_one_error_naming_volume_without_warnings(aht):
    table = iso(make_history(days=1, minutes=15))
    table.loc[37, "volume"] = 1e308
    table.loc[38, "volume"] = 1e308  # together they overflow when summed into 30-minute intervals
    if not aht:
        table = table.drop(columns="aht_seconds")
    with pytest.raises(InputError) as error:
        ingest(table, timezone=TZ, interval_minutes=30)
    assert str(error.value) == ("history: volume must be <= 1,000,000,000; got 1e+308, 1e+308 at "
                                "2026-03-02T09:15:00+01:00 (queue chat), 2026-03-02T09:30:00+01:00 (queue chat); "
                                "fix or drop the row")


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_absurd_handle_seconds_in_a_contact_log():
    log = contacts().assign(handle_seconds=[1e308, 1e308, None, 50])
    with pytest.raises(InputError, match=r"handle_seconds must be in \[0, 86,400\]; got 1e\+308, 1e\+308 at "
                                         r"2026-03-02 09:01:00\+01:00; handle seconds are durations of up to a day"):
        ingest(log, timezone=TZ)


def test_a_failing_sql_query(tmp_path):
    path = tmp_path / "history.db"
    sqlite3.connect(path).close()
    with pytest.raises(InputError, match="SQL query failed on sqlite:///.*history.db: no such table: calls; check"):
        read_source(path, query="SELECT * FROM calls")


def test_a_database_needs_a_query(tmp_path):
    with pytest.raises(InputError, match="is a database; pass --query"):
        read_source("sqlite:///x.db")


# ---------------------------------------------------------------- the real call-by-call log

@pytest.mark.realdata
def test_the_anonymous_bank_call_log_matches_its_published_6_minute_counts():
    calls_path = REAL / "anonymous_bank_1999_calls" / "anonymous_bank_1999_jan_feb_oct_calls.csv.gz"
    counts_path = REAL / "anonymous_bank_1999_6min" / "anonymous_bank_1999_6min.csv.gz"
    if not (calls_path.is_file() and counts_path.is_file()):
        pytest.skip("../shared/data/real is not here")
    zone = "Asia/Jerusalem"
    raw = read_source(calls_path)
    ingested = ingest(raw, timezone=zone, interval_minutes=6, closed="right")
    calls = ingested.frame
    published = ingest(read_source(counts_path), timezone=zone).frame.set_index("interval_start")["volume"]
    total = calls.groupby("interval_start")["volume"].sum()
    overlap = total.index.intersection(published.index)
    assert len(overlap) == (29 + 28 + 31) * 240  # Jan 11-12 are absent from the log: gaps, not zeros
    # one abandoned call is in the log twice, identical in every column: dropped, though the published count has it
    assert "1 row(s) identical to an earlier row in every column dropped as export duplicates" in ingested.notes
    difference = published[overlap] - total[overlap]
    assert difference[difference != 0].to_dict() == {pd.Timestamp("1999-02-17 09:36", tz=zone): 1.0}
    raw = raw.drop_duplicates()
    # AHT per queue: the mean handle seconds of served calls
    served = raw[raw["outcome"] == "AGENT"]
    ps = calls[calls["queue"] == "PS"]
    weighted = (ps["aht_seconds"] * ps["volume"]).sum() / ps.loc[ps["aht_seconds"].notna(), "volume"].sum()
    assert weighted == pytest.approx(served.loc[served["queue"] == "PS", "handle_seconds"].mean(), rel=0.05)
    assert set(calls["queue"]) >= {"PS", "PE", "IN", "NE", "NW", "TT"}
    assert np.isclose(calls["abandoned"].sum(), raw["abandoned"].sum())


def test_a_contact_log_with_waits_and_abandoned_flags_gives_each_queues_patience():
    """Exponential patience, answered waits censored: total wait / abandoned (Brown et al. 2005)."""
    rows = ([("a", 60.0, True)] * 30 + [("a", 30.0, False)] * 70  # 3,900 s of waiting, 30 abandoned: 130 s
            + [("b", 50.0, True)] * 5 + [("b", 10.0, False)] * 50)  # 5 abandoned: too few to say
    log = pd.DataFrame(rows, columns=["queue", "wait_seconds", "abandoned"])
    log.insert(0, "arrival", pd.date_range("2026-03-02 09:00", periods=len(log), freq="37s").astype(str))
    ingested = ingest(log, timezone="Europe/Malta")
    assert ingested.patience_seconds == {"a": pytest.approx(130.0)}
    assert any(note.startswith("patience in the data (total wait / abandoned contacts): a 130 s") for note in ingested.notes)


@pytest.mark.realdata
def test_the_anonymous_bank_log_shows_its_callers_patience(real_data):
    log = pd.read_csv(real_data / "anonymous_bank_1999_calls" / "anonymous_bank_1999_jan_feb_oct_calls.csv.gz")
    patience = ingest(log, timezone="Asia/Jerusalem", interval_minutes=30).patience_seconds
    assert {"PS", "NE", "NW", "TT"} <= set(patience)
    assert all(30 < seconds < 3_600 for seconds in patience.values()), patience


def test_rows_to_ignore_are_left_out_before_counting_with_a_note():
    """PHANTOM-like rows (virtual calls, test tickets) are not work: ``ignore`` drops them first."""
    log = pd.DataFrame({"arrival": pd.date_range("2026-03-02 09:00", periods=6, freq="10min").astype(str),
                        "outcome": ["AGENT", "PHANTOM", "HANG", " phantom ", "AGENT", "TEST"]})
    kept = ingest(log, timezone="Europe/Malta", interval_minutes=60, ignore={"Outcome": ["PHANTOM", "test"]})
    assert kept.frame["volume"].sum() == 3
    assert "3 row(s) ignored where outcome is PHANTOM or test" in kept.notes
    assert ingest(log, timezone="Europe/Malta", interval_minutes=60).frame["volume"].sum() == 6
    with pytest.raises(InputError, match=r"--ignore 'result' is not a column; found arrival, outcome"):
        ingest(log, timezone="Europe/Malta", ignore={"result": ["PHANTOM"]})
    with pytest.raises(InputError, match=r"ignoring arrival = .* leaves no rows"):
        ingest(log.iloc[:1], timezone="Europe/Malta", ignore={"arrival": [log.loc[0, "arrival"]]})


@pytest.mark.realdata
def test_the_anonymous_bank_phantom_calls_can_be_ignored(real_data):
    log = pd.read_csv(real_data / "anonymous_bank_1999_calls" / "anonymous_bank_1999_jan_feb_oct_calls.csv.gz")
    every = ingest(log, timezone="Asia/Jerusalem", interval_minutes=30).frame["volume"].sum()
    work = ingest(log, timezone="Asia/Jerusalem", interval_minutes=30, ignore={"outcome": ["PHANTOM"]})
    assert every - work.frame["volume"].sum() == 665  # the PROVENANCE's count of PHANTOM records
    assert "665 row(s) ignored where outcome is PHANTOM" in work.notes
