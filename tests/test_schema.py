"""Frame A/B validation: time zones, DST, duplicates, bad values, one message for all."""

import pandas as pd
import pytest

from core.errors import InputError
from core.schema import interval_minutes, validate_frame_a, validate_frame_b

TZ = "Europe/Malta"


def frame(**columns):
    return pd.DataFrame(columns)


def test_offsets_are_converted_and_rows_sorted():
    got = validate_frame_a(frame(
        queue=["b", "a", "a"],
        interval_start=["2026-06-01T10:00:00+00:00", "2026-06-01T12:15:00+02:00", "2026-06-01T12:00:00+02:00"],
        volume=[1, 2, 3],
    ), TZ)
    assert got["queue"].tolist() == ["a", "a", "b"]
    assert str(got["interval_start"].dt.tz) == TZ
    assert got["interval_start"].iloc[2] == pd.Timestamp("2026-06-01 12:00", tz=TZ)
    assert got["volume"].dtype == float


def test_naive_times_are_site_local_and_the_repeated_autumn_hour_is_resolved_by_order():
    got = validate_frame_a(frame(
        queue=["q"] * 4 + ["r"] * 2,
        interval_start=["2026-10-25T01:45:00", "2026-10-25T02:00:00", "2026-10-25T02:00:00",
                        "2026-10-25T03:00:00", "2026-10-25T02:00:00", "2026-10-25T02:00:00"],
        volume=[1, 2, 3, 4, 5, 6],
    ), TZ)
    q = got[got.queue == "q"].set_index("volume")["interval_start"]
    assert q[2.0].utcoffset() == pd.Timedelta(hours=2) and q[3.0].utcoffset() == pd.Timedelta(hours=1)
    r = got[got.queue == "r"].set_index("volume")["interval_start"]
    assert r[5.0] < r[6.0]


def test_a_single_queue_file_gets_the_default_queue():
    got = validate_frame_a(frame(interval_start=["2026-06-01T10:00:00+02:00"], volume=[4]), TZ)
    assert got["queue"].tolist() == ["default"]


@pytest.mark.parametrize("columns, match", [
    (dict(ts=["2026-06-01T10:00"], volume=[1]), r"missing column\(s\) interval_start; found ts, volume"),
    (dict(interval_start=["yesterday"], volume=[1]), r"interval_start must be ISO 8601 timestamps .* got 'yesterday' in data row 1"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00", "2026-06-01T10:15:00"], volume=[1, 2]),
     r"mixes timestamps with and without a UTC offset"),
    (dict(interval_start=["2026-03-29T02:15:00"], volume=[1]), r"must be a local time that exists in Europe/Malta"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"] * 2, volume=[1, 2]),
     r"duplicate rows for the same queue at 2026-06-01T10:00:00\+02:00 \(queue default\)"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[-3]),
     r"volume must be >= 0; got -3 at 2026-06-01T10:00:00\+02:00 \(queue default\); fix or drop the row"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=["many"]), r"volume must be numeric; got 'many'"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[3], aht_seconds=[0]), r"aht_seconds must be > 0; got 0 at"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[3], aht_seconds=[1e308]),
     r"aht_seconds must be <= 86,400; got 1e\+308 at 2026-06-01T10:00:00\+02:00 \(queue default\); handle time"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[3], volume_p10=[0], volume_p90=[1e12]),
     r"volume_p90 must be <= 1,000,000,000; got 1000000000000.0"),
    (dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[3], volume_p10=[5], volume_p90=[4]),
     r"volume_p10 must not exceed volume_p90"),
])
def test_bad_frames_get_clear_errors(columns, match):
    with pytest.raises(InputError, match=match):
        validate_frame_a(frame(**columns), TZ)


def test_a_time_skipped_in_spring_is_named_in_the_users_words():
    with pytest.raises(InputError) as error:
        validate_frame_a(frame(interval_start=["2026-03-29T01:45:00", "2026-03-29T02:15:00"], volume=[1, 2]), TZ)
    assert str(error.value) == (
        "interval_start must be a local time that exists in Europe/Malta; got '2026-03-29T02:15:00' in data row 2, "
        "a time no clock there shows: on 2026-03-29 the clocks jump forward over it; drop the row, or export "
        "timestamps with their UTC offset (like 2026-03-02T09:00:00+01:00)")


def test_an_absurd_volume_is_one_error_naming_volume():
    with pytest.raises(InputError) as error:
        validate_frame_a(frame(interval_start=["2026-06-01T10:00:00+02:00"], volume=[1e308], aht_seconds=[300]), TZ)
    assert str(error.value) == ("history: volume must be <= 1,000,000,000; got 1e+308 at "
                                "2026-06-01T10:00:00+02:00 (queue default); fix or drop the row")


def test_all_problems_are_reported_at_once():
    with pytest.raises(InputError) as error:
        validate_frame_a(frame(interval_start=["2026-06-01T10:00:00+02:00"] * 2, volume=[-1, 2], aht_seconds=[0, 5]), TZ)
    text = str(error.value)
    assert "duplicate rows" in text and "volume must be >= 0" in text


def test_no_aht_is_fine_where_there_are_no_contacts():
    got = validate_frame_a(frame(interval_start=["2026-06-01T10:00:00+02:00"], volume=[0], aht_seconds=[None]), TZ)
    assert got["aht_seconds"].isna().all()


def test_empty_frame():
    with pytest.raises(InputError, match=r"has no rows"):
        validate_frame_a(pd.DataFrame(columns=["interval_start", "volume"]), TZ)


def test_interval_minutes_from_data_and_config():
    times = pd.date_range("2026-06-01", periods=5, freq="30min", tz=TZ)
    data = validate_frame_a(frame(interval_start=times, volume=range(5)), TZ)
    assert interval_minutes(data) == 30
    assert interval_minutes(data, 30) == 30
    with pytest.raises(InputError, match=r"data are in 30-minute intervals but site.interval_minutes is 15"):
        interval_minutes(data, 15)
    with pytest.raises(InputError, match=r"set site.interval_minutes"):
        interval_minutes(data.head(1))


def test_frame_b_needs_whole_agents():
    base = dict(interval_start=["2026-06-01T10:00:00+02:00"], volume=[3])
    assert validate_frame_b(frame(**base, agents_required=[2], agents_scheduled=[3]), TZ)["agents_scheduled"].item() == 3
    with pytest.raises(InputError, match=r"agents_scheduled must be whole agents; got 2.5"):
        validate_frame_b(frame(**base, agents_required=[2], agents_scheduled=[2.5]), TZ)
    with pytest.raises(InputError, match=r"agents_required must be >= 0; got -1 at"):
        validate_frame_b(frame(**base, agents_required=[-1], agents_scheduled=[2]), TZ)
    with pytest.raises(InputError, match=r"missing column\(s\) agents_required, agents_scheduled"):
        validate_frame_b(frame(**base), TZ)
