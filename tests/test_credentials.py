"""Key files in and out: what a learner's downloaded file, or Excel's version of it, gives."""

from __future__ import annotations

import copy
import io
import json
import pickle
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mturklink_helpers.credentials import (
    AccessKey,
    CredentialsFileError,
    load_credentials,
    load_environment,
    load_profile,
    save_profile,
    write_credentials,
)

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CONSOLE = (
    "User name,Password,Access key ID,Secret access key,Console login link\r\n"
    f"mturk-requester,,{KEY_ID},{SECRET},https://123456789012.signin.aws.amazon.com/console\r\n"
)
ACCESS_KEYS = f"Access key ID,Secret access key\r\n{KEY_ID},{SECRET}\r\n"


def no_secret_in(text: str) -> bool:
    return SECRET not in text and SECRET[:20] not in text


# ---------------------------------------------------------------- AccessKey never shows its secret


def test_repr_and_str_mask_the_key():
    key = AccessKey(KEY_ID, SECRET, user_name="mturk-requester", source="credentials.csv")
    for text in (repr(key), str(key), f"{key}", json.dumps(key.to_dict())):
        assert no_secret_in(text)
        assert KEY_ID not in text
    assert "AKIA…MPLE" in repr(key) and "****" in repr(key)
    assert "mturk-requester" in str(key)


def test_key_refuses_pickle_and_json_but_copies_safely():
    key = AccessKey(KEY_ID, SECRET)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        json.dumps(key)
    assert copy.deepcopy(key) is key
    with pytest.raises(AttributeError):
        key.user_name = "someone-else"
    assert not hasattr(key, "__dict__")


def test_reveal_secret_and_equality():
    key = AccessKey(KEY_ID, SECRET)
    assert key.reveal_secret() == SECRET
    assert key == AccessKey(KEY_ID, SECRET, source="elsewhere")
    assert key != AccessKey(KEY_ID, SECRET[:-1] + "X")


# ---------------------------------------------------------------- reading what the console hands out


@pytest.mark.parametrize(
    "content, user",
    [
        (CONSOLE, "mturk-requester"),
        (ACCESS_KEYS, None),
        (f"AWSAccessKeyId={KEY_ID}\nAWSSecretKey={SECRET}\n", None),
        (f"AWSAccessKeyId,AWSSecretKey\n{KEY_ID},{SECRET}\n", None),  # rootkey.csv, newer consoles
    ],
    ids=["credentials.csv", "user_accessKeys.csv", "rootkey.csv", "rootkey-csv-form"],
)
def test_reads_every_console_file(content, user):
    key = load_credentials(content.encode())
    assert key.access_key_id == KEY_ID
    assert key.reveal_secret() == SECRET
    assert key.user_name == user


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: ("\ufeff" + t).encode("utf-8"),  # BOM
        lambda t: t.encode("utf-16"),  # UTF-16 with BOM (Excel "Unicode text")
        lambda t: t.encode("utf-16-le"),  # UTF-16 without BOM
        lambda t: t.replace("\r\n", "\n").encode(),  # LF only
        lambda t: t.replace(",", ";").encode(),  # European Excel
        lambda t: t.replace(",", "\t").encode(),  # tab separated
        lambda t: t.replace(KEY_ID, f'"{KEY_ID}"').replace(SECRET, f' "{SECRET}" ').encode(),
        lambda t: t.lower().replace(KEY_ID.lower(), KEY_ID).replace(SECRET.lower(), SECRET).encode(),
        lambda t: (t + "\r\n\r\n,,,,\r\n").encode(),  # trailing blank lines and an empty row
        lambda t: t.replace(",", " , ").encode(),  # stray blanks
    ],
    ids=["bom", "utf16", "utf16-no-bom", "lf", "semicolon", "tab", "quoted", "header-case",
         "trailing-blank", "blanks"],
)
def test_tolerates_what_editors_do(mangle):
    key = load_credentials(mangle(CONSOLE))
    assert (key.access_key_id, key.reveal_secret()) == (KEY_ID, SECRET)


def test_reads_paths_and_file_objects(tmp_path):
    path = tmp_path / "mturk-requester_accessKeys.csv"
    path.write_text(ACCESS_KEYS)
    assert load_credentials(path).source == "mturk-requester_accessKeys.csv"
    assert load_credentials(str(path)).access_key_id == KEY_ID
    with path.open("rb") as f:
        assert load_credentials(f).access_key_id == KEY_ID
    assert load_credentials(io.StringIO(ACCESS_KEYS)).access_key_id == KEY_ID


def test_console_password_loads_with_a_warning():
    text = CONSOLE.replace("mturk-requester,,", "mturk-requester,Hunter2-Hunter2,")
    key = load_credentials(text.encode())
    assert key.user_name == "mturk-requester"
    assert any("password" in w for w in key.warnings)
    assert "Hunter2" not in " ".join(key.warnings) + repr(key)


# ---------------------------------------------------------------- refusing everything else, clearly


def refusal(content, **kwargs) -> CredentialsFileError:
    with pytest.raises(CredentialsFileError) as info:
        load_credentials(content if isinstance(content, bytes) else content.encode(), **kwargs)
    message = str(info.value)
    assert no_secret_in(message), message
    assert "step" in message  # every refusal names the step of the guide that fixes it
    return info.value


def test_empty_file():
    assert "empty" in str(refusal(b""))
    assert "empty" in str(refusal("\r\n  \n"))


def test_html_saved_instead_of_the_download():
    error = refusal("<!DOCTYPE html><html><body>Sign in</body></html>")
    assert "web page" in str(error) and "Download .csv" in str(error)


def test_missing_columns_name_the_column_and_line():
    error = refusal(f"User name,Access key ID\nbob,{KEY_ID}\n")
    assert error.line == 1
    assert "'Secret access key' is missing" in str(error)


def test_header_less_file():
    assert "no header row" in str(refusal(f"{KEY_ID},{SECRET}\n"))


def test_header_only():
    error = refusal("Access key ID,Secret access key\n")
    assert error.line == 2 and "holds no key" in str(error)


def test_several_keys_listed_and_chosen_by_user_name():
    two = CONSOLE + f"second-user,,AKIAI44QH8DHBEXAMPLE,{SECRET[::-1]},\r\n"
    error = refusal(two)
    assert "2 keys" in str(error) and "'mturk-requester'" in str(error) and "'second-user'" in str(error)
    key = load_credentials(two.encode(), user_name="second-user")
    assert key.access_key_id == "AKIAI44QH8DHBEXAMPLE"
    assert "no key for the IAM user 'nobody'" in str(refusal(two, user_name="nobody"))


@pytest.mark.parametrize(
    "key_id, secret, expected, column",
    [
        ("AKIAIOSFODNN7EXAMPL", SECRET, "19 characters long", 1),
        ("XKIAIOSFODNN7EXAMPLE", SECRET, "does not look like an AWS access key id", 1),
        ("ASIAIOSFODNN7EXAMPLE", SECRET, "temporary credentials", 1),
        (KEY_ID, SECRET[:39], "39 characters long", 2),
        (KEY_ID, SECRET[:39] + "!", "characters a secret never has", 2),
        (SECRET, KEY_ID, "swapped", 1),
        (KEY_ID, "", "secret access key is empty", 2),
    ],
)
def test_bad_values_say_what_and_where(key_id, secret, expected, column):
    error = refusal(f"Access key ID,Secret access key\n{key_id},{secret}\n")
    assert expected in str(error)
    assert (error.line, error.column) == (2, column)
    assert "line 2, column" in str(error)


def test_temporary_credentials_say_mturk_refuses_them():
    error = refusal(f"Access key ID,Secret access key\nASIAIOSFODNN7EXAMPLE,{SECRET}\n")
    assert "MTurk does not accept temporary credentials" in str(error)
    assert "step 4" in str(error)


def test_too_large_and_binary_and_missing(tmp_path):
    assert "larger than 64 KiB" in str(refusal(ACCESS_KEYS.encode() + b" " * 70_000))
    assert "not a text file" in str(refusal(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
    with pytest.raises(CredentialsFileError, match="no such file"):
        load_credentials(tmp_path / "nope.csv")
    with pytest.raises(CredentialsFileError, match="folder"):
        load_credentials(tmp_path)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_key_or_a_clean_error(data):
    try:
        key = load_credentials(data)
    except CredentialsFileError as error:
        assert str(error).strip()
    else:
        assert isinstance(key, AccessKey)


_keylike = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16)
_secretlike = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", min_size=40, max_size=40
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_keylike, _secretlike, st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,64}", fullmatch=True)))
def test_write_then_load_round_trips(tmp_path, tail, secret, user):
    key = AccessKey("AKIA" + tail, secret, user_name=user)
    path = write_credentials(key, tmp_path / "credentials.csv", overwrite=True)
    assert load_credentials(path) == key
    assert load_credentials(path).user_name == user


# ---------------------------------------------------------------- writing: private, atomic, careful


def test_write_is_private_and_refuses_to_overwrite(tmp_path):
    key = AccessKey(KEY_ID, SECRET, user_name="mturk-requester")
    path = write_credentials(key, tmp_path / "secrets" / "credentials.csv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("User name,Password,Access key ID,Secret access key")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_credentials(AccessKey("AKIAI44QH8DHBEXAMPLE", SECRET), path)
    assert load_credentials(path) == key  # untouched by the refused write
    assert [p.name for p in path.parent.iterdir()] == ["credentials.csv"]  # no temp file left


def test_save_profile_keeps_everything_else(tmp_path, monkeypatch):
    creds = tmp_path / "aws" / "credentials"
    creds.parent.mkdir()
    creds.write_text(
        "# my keys\n[default]\naws_access_key_id = AKIADEFAULTDEFAULT12\n"
        "aws_secret_access_key = x\n\n[mturk]\nregion = us-east-1\n"
        "aws_access_key_id = AKIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old\n\n[other]\nfoo = bar\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    save_profile(AccessKey(KEY_ID, SECRET))
    text = creds.read_text()
    assert "# my keys" in text and "AKIADEFAULTDEFAULT12" in text and "foo = bar" in text
    assert "region = us-east-1" in text and "AKIAOLD" not in text and "= old" not in text
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert load_profile("mturk") == AccessKey(KEY_ID, SECRET)
    save_profile(AccessKey("AKIAI44QH8DHBEXAMPLE", SECRET), name="second")
    assert load_profile("second").access_key_id == "AKIAI44QH8DHBEXAMPLE"
    assert load_profile("mturk").access_key_id == KEY_ID


def test_save_profile_creates_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / ".aws" / "credentials"))
    save_profile(AccessKey(KEY_ID, SECRET))
    assert load_profile("mturk") == AccessKey(KEY_ID, SECRET)
    with pytest.raises(CredentialsFileError, match=r"no profile \[nope\]"):
        load_profile("nope")


def test_profile_with_session_token_is_refused(tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"[mturk]\naws_access_key_id={KEY_ID}\naws_secret_access_key={SECRET}\naws_session_token=abc\n")
    with pytest.raises(CredentialsFileError, match="temporary credentials"):
        load_profile("mturk", creds)


def test_environment_variables():
    assert load_environment({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}) == AccessKey(KEY_ID, SECRET)
    with pytest.raises(CredentialsFileError, match="not set"):
        load_environment({})
    with pytest.raises(CredentialsFileError, match="AWS_SESSION_TOKEN"):
        load_environment({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": "t"})

