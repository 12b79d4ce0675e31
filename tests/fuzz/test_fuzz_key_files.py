"""Key files: whatever bytes come in, load_credentials gives a key or one clean sentence.

Only a valid AccessKey or a CredentialsFileError (with a problem, a where and a guide step)
ever comes back, never another exception, and no error, repr or str shows the secret that
was in the file.
"""

from __future__ import annotations

from fuzz_keyfiles import KeyFile, bytes_with_secret, key_files
from hypothesis import event, example, given
from hypothesis import strategies as st

from mturklink_helpers.credentials import AccessKey, CredentialsFileError, load_credentials


def load(data: bytes, secret: str | None) -> AccessKey | CredentialsFileError:
    """The key, or the error, after checking either says nothing it should not."""
    try:
        key = load_credentials(data)
    except CredentialsFileError as error:
        assert error.problem.strip() and error.where.strip(), repr(error)
        assert "step" in error.fix, error.fix
        text = str(error)
        assert "\n" not in text and text.endswith("."), text
        if secret:
            for shown in (text, repr(error), error.problem, error.where, error.fix):
                assert secret not in shown, shown
        event("refused")
        return error
    assert isinstance(key, AccessKey)
    assert len(key.access_key_id) == 20 and key.access_key_id.startswith("AKIA")
    assert len(key.reveal_secret()) == 40
    if secret:
        for shown in (repr(key), str(key), repr(key.to_dict()), *key.warnings):
            assert secret not in shown, shown
    event("loaded")
    return key


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# Any bytes (a third), any bytes around a secret, and key files as the console and Excel
# make them, broken or not (half).
inputs = st.one_of(
    st.binary(max_size=2048).map(lambda data: KeyFile(data, "")),
    bytes_with_secret(),
    key_files(),
    key_files(),
)


# Regression: two keys, the second row pasted in the console's user-first order, so its
# secret sits under "User name"; the "holds 2 keys" message listed user names verbatim.
@example(KeyFile(
    b"Access key ID,Secret access key,User name\r\n"
    b"AKIAIOSFODNN7EXAMPLE,je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY,alice\r\n"
    b"bob,AKIAI44QH8DHBEXAMPLE," + SECRET.encode() + b"\r\n",
    SECRET,
))
# Regression (found by the long profile): one key whose row puts the secret in the User
# name column too (there, by a stray byte in a UTF-16 file); the key's repr showed its name.
@example(KeyFile(
    b"User name,Access key ID,Secret access key\r\n"
    b"x" + SECRET.encode() + b",AKIAI44QH8DHBEXAMPLE," + SECRET.encode() + b"\r\n",
    SECRET,
))
# Regression (long profile again): the User name column holds another secret-shaped text.
@example(KeyFile(
    b"User name;Secret access key;Access key ID\n"
    + SECRET.encode() + b";je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY;AKIAI44QH8DHBEXAMPLE\n",
    SECRET,
))
# Regression (long profile): a quoted id cell running onto the next line; its masked form
# put a line break into the one-sentence message.
@example(KeyFile(
    b'"Secret access key"\t"Access key ID"\n"' + SECRET.encode()
    + b'"\t"AKIAOPVA8RDW6B97LNWM\n\x14X "\n',
    SECRET,
))
@given(inputs)
def test_any_key_file_gives_a_key_or_one_clean_sentence_without_the_secret(f: KeyFile):
    result = load(f.data, f.secret)
    if f.expected is not None:
        event("a well-formed one-key file")
        key_id, secret, user = f.expected
        assert isinstance(result, AccessKey), result
        assert result.access_key_id == key_id and result.reveal_secret() == secret
        if f.check_user:
            assert result.user_name == user
