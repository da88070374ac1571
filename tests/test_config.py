"""The config loader: defaults, inheritance from [queue_defaults], and clear errors."""

import re

import pytest

from core.config import Config, load_config
from core.errors import InputError
from tests.conftest import DATA


def write(tmp_path, text):
    path = tmp_path / "shiftcast.toml"
    path.write_text(text)
    return path


def test_the_sample_config_loads_and_documents_every_queue():
    config = load_config(DATA / "shiftcast.toml")
    assert config.site.timezone == "Europe/Malta"
    assert set(config.queues) == {"chat_en", "chat_zh", "email", "voice_en"}
    chat, source = config.queue("chat_en")
    assert (chat.channel, chat.concurrency, chat.answer_seconds, source) == ("chat", 2, 60, "queues.chat_en")


def test_no_file_means_defaults():
    assert load_config(None) == Config()


def test_a_queue_table_overrides_the_defaults_field_by_field(tmp_path):
    config = load_config(write(tmp_path, """
        [queue_defaults]
        shrinkage = 0.35
        service_level = 0.9
        [queues.vip]
        service_level = 0.95
    """))
    vip, source = config.queue("vip")
    assert (vip.service_level, vip.shrinkage, source) == (0.95, 0.35, "queues.vip")
    other, source = config.queue("social_en")
    assert (other.service_level, source) == (0.9, "queue_defaults")


@pytest.mark.parametrize("text, match", [
    ("[queue_defaults]\nservicelevel = 0.8", r"unknown setting 'queue_defaults.servicelevel'; known settings here: channel"),
    ("[queues.a]\nservice_level = 1.5", r"queues.a.service_level = 1.5 is invalid: Input should be less than or equal to 1"),
    ("[queues.a]\nshrinkage = 'high'", r"queues.a.shrinkage = 'high' is invalid: Input should be a valid number"),
    ("[queue_defaults]\nmax_occupancy = 0", r"queue_defaults.max_occupancy = 0 is invalid: Input should be greater than 0"),
    ("[queue_defaults]\nanswer_seconds = -1", r"answer_seconds = -1 is invalid"),
    ("[queue_defaults]\nchannel = 'fax'", r"channel = 'fax' is invalid"),
    ("[site]\ntimezone = 'Mars/Base'", r"unknown time zone 'Mars/Base'; use an IANA name"),
    ("[site]\ninterval_minutes = 7", r"7 minutes does not divide a day"),
    ("[site]\nopening_hours = { mon = '9-5' }", r"'9' is not a clock time; write HH:MM"),
    ("[site]\nopening_hours = { mon = '18:00-09:00' }", r"start before end"),
    ("[shifts]\nlengths_hours = [0]", r"shift lengths must be in \(0, 24\] hours"),
    ("[sites]\nname = 'x'", r"unknown setting 'sites'"),
])
def test_bad_settings_name_the_field_and_value(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        load_config(write(tmp_path, text))


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputError, match=r"config file .*nope.toml not found; pass --config"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(InputError, match=r"not valid TOML \(.*line 1.*\); fix the syntax"):
        load_config(write(tmp_path, "[site\nname = 1"))


def test_opening_hours():
    config = Config.model_validate({"site": {"opening_hours": {"sat": "08:00-20:00", "sun": "closed"}}})
    assert config.site.open_minutes(0) == (0, 1440)
    assert config.site.open_minutes(5) == (480, 1200)
    assert config.site.open_minutes(6) is None


def test_every_problem_of_a_config_is_named_at_once(tmp_path):
    path = write(tmp_path, "[queue_defaults]\nservice_level = 2\nshrinkage = -1\n[shifts]\ncolour = 'red'\n")
    with pytest.raises(InputError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and message.count("\n") == 0
    for part in ("queue_defaults.service_level = 2 is invalid", "queue_defaults.shrinkage = -1 is invalid",
                 "unknown setting 'shifts.colour'"):
        assert part in message


def test_opening_hours_typed_on_one_line():
    from core.config import opening_hours_from_text

    assert opening_hours_from_text("mon-fri 07:00-21:00, sat 08:00 - 14:00; sun closed") == {
        **dict.fromkeys(["mon", "tue", "wed", "thu", "fri"], "07:00-21:00"), "sat": "08:00-14:00", "sun": "closed"}
    assert opening_hours_from_text("fri-mon closed") == dict.fromkeys(["fri", "sat", "sun", "mon"], "closed")
    assert opening_hours_from_text("  ") == {}
    for bad in ("weekdays 9-5", "mon", "mon-xyz 07:00-08:00"):
        with pytest.raises(InputError, match=re.escape(f"opening hours {bad!r} must be a day or day range")):
            opening_hours_from_text(bad)
