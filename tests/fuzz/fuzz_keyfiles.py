"""Key files as the AWS console and Excel make them, then broken: a hypothesis strategy.

``key_files()`` draws a :class:`KeyFile`: the bytes, the 40-character secret planted in
them (which no error may ever show), and, when the file is a well-formed one-key file, the
key that loading it must give.
"""

from __future__ import annotations

import csv
import io
import string
from dataclasses import dataclass

from hypothesis import strategies as st

ID_ALPHABET = string.ascii_uppercase + string.digits
SECRET_ALPHABET = string.ascii_letters + string.digits + "/+="
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252")
UNICODE_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be")

HEADER_NAMES = {
    "id": ["Access key ID", "access key id", "ACCESS KEY ID", "Access_key_ID", "AccessKeyId",
           "AWSAccessKeyId", " Access key ID ", "Access  key  ID"],
    "secret": ["Secret access key", "secret access key", "SECRET_ACCESS_KEY", "SecretAccessKey",
               "AWSSecretKey", " Secret access key"],
    "user": ["User name", "User Name", "UserName", "user_name"],
    "password": ["Password", "password"],
    "link": ["Console login link", "console login link"],
}

key_ids = st.text(ID_ALPHABET, min_size=16, max_size=16).map(lambda tail: "AKIA" + tail)
secrets = st.text(SECRET_ALPHABET, min_size=40, max_size=40)
# Cell text a person could type: any character but NUL, line breaks and "<" (which would
# make the file an HTML page), so a well-formed file stays well-formed.
cell_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r\n<"), max_size=30
)
user_names = st.text(string.ascii_letters + string.digits + "+=,.@_-", min_size=1, max_size=64)
_KNOWN = {" ".join(n.lower().replace("_", " ").split()) for names in HEADER_NAMES.values()
          for n in names}
_KNOWN |= {n.replace(" ", "") for n in _KNOWN}


@dataclass(frozen=True)
class KeyFile:
    data: bytes
    secret: str  # planted in the file; must never appear in an error
    expected: tuple[str, str, str | None] | None = None  # (id, secret, user) when valid
    check_user: bool = True  # False when the encoding may change the user name's text

    def __repr__(self) -> str:  # hypothesis prints failing examples with this
        return f"KeyFile(data={self.data!r}, expected={self.expected!r})"


# Structure (which columns, which mistakes, which encoding) and the key itself come from
# one seeded Random per example: drawing each small choice through hypothesis costs ten
# times as much, and 4,000 examples have to fit in seconds. The free text in the cells,
# where the surprises are, is drawn by hypothesis.
structure = st.randoms(use_true_random=True)


def _key(rnd) -> tuple[str, str]:
    return ("AKIA" + "".join(rnd.choices(ID_ALPHABET, k=16)),
            "".join(rnd.choices(SECRET_ALPHABET, k=40)))


def _extra_name(rnd) -> str:
    """A column name the kit does not know (never one it does, spaces or not)."""
    while True:
        name = rnd.choice(string.ascii_letters) + "".join(
            rnd.choices(string.ascii_letters + string.digits + " ", k=rnd.randint(0, 15)))
        if " ".join(name.lower().split()) not in _KNOWN and name.lower().replace(" ", "") not in _KNOWN:
            return name


def _broken_secret(rnd, secret: str) -> str:
    how = rnd.choice(["short", "long", "bad-char", "inner-space", "empty", "quoted"])
    if how == "short":
        return secret[: rnd.randint(1, 39)]
    if how == "long":
        return secret + "".join(rnd.choices(SECRET_ALPHABET, k=rnd.randint(1, 5)))
    if how == "bad-char":
        i = rnd.randint(0, 39)
        return secret[:i] + rnd.choice("!é ?,;\t\"'\\~`") + secret[i + 1 :]
    if how == "inner-space":
        return secret[:20] + " " + secret[20:]
    if how == "quoted":
        return f"'{secret}'"
    return ""


def _broken_id(rnd, key_id: str, secret: str) -> str:
    how = rnd.choice(["asia", "short", "lower", "other-prefix", "empty", "secret", "spaces"])
    if how == "asia":
        return "ASIA" + key_id[4:]
    if how == "short":
        return key_id[: rnd.randint(1, 19)]
    if how == "lower":
        return key_id.lower()
    if how == "other-prefix":
        return rnd.choice(["AIDA", "AROA", "ABIA", "XXXX"]) + key_id[4:]
    if how == "secret":
        return secret  # the columns swapped
    if how == "spaces":
        return key_id[:10] + " " + key_id[10:]
    return ""


def csv_key_file(rnd, user: str, text: str) -> KeyFile:
    """The console's CSV formats (and Excel's re-saves), sometimes broken; ``user`` and
    ``text`` are the free text that goes into its cells."""
    key_id, secret = _key(rnd)
    kinds = ["id", "secret"] + rnd.sample(["user", "password", "link"], rnd.randint(0, 3))
    if rnd.random() < 0.1:
        kinds.remove(rnd.choice(["id", "secret"]))  # a column missing
    kinds += ["extra"] * rnd.choice([0, 0, 1, 2])
    rnd.shuffle(kinds)
    header = [rnd.choice(HEADER_NAMES[k]) if k in HEADER_NAMES else _extra_name(rnd)
              for k in kinds]
    if rnd.random() < 0.05:
        header = []  # no header row at all

    good_id, good_secret = rnd.random() < 0.75, rnd.random() < 0.75
    pad = rnd.choice(["", "", " ", "  "])  # stray blanks around a cell are forgiven
    values = {
        "id": pad + key_id + pad if good_id else _broken_id(rnd, key_id, secret),
        "secret": pad + secret + pad if good_secret else _broken_secret(rnd, secret),
        "user": user,
        # Misplaced secrets: a shifted row puts the secret where a name or a password goes.
        "password": rnd.choice(["", text, secret]),
        "link": rnd.choice(["", text]),
        "extra": rnd.choice([text, secret]),
    }
    if not good_secret and rnd.random() < 0.2:
        values["user"] = secret  # a shifted row: the secret under "User name"
    row = [values[k] for k in kinds]
    rows = [row]
    if rnd.random() < 0.3:  # several keys in one file
        other = dict(zip(("id", "secret"), _key(rnd), strict=True))
        rows.append([other.get(k, values[k]) for k in kinds])
        if rnd.random() < 0.5:
            rows.append(list(reversed(row)))  # columns in the wrong order
    if rnd.random() < 0.1:
        rows[0] = rows[0][: rnd.randint(0, len(rows[0]))]  # a ragged row

    out = io.StringIO()
    writer = csv.writer(out, delimiter=rnd.choice(",;\t"),
                        quoting=rnd.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
                        lineterminator=rnd.choice(["\r\n", "\n"]))
    if header:
        writer.writerow(header)
    for r in rows:
        writer.writerow(r)
    for _ in range(rnd.choice([0, 0, 1, 2])):
        writer.writerow([""] * len(header or row) if rnd.random() < 0.5 else [])
    text = out.getvalue()
    encoding = rnd.choice(ENCODINGS)
    if encoding != "cp1252" and rnd.random() < 0.5:
        text = "\ufeff" + text  # a byte order mark (a second one after utf-8-sig's)
    data = text.encode(encoding, errors="replace")

    well_formed = (
        header and good_id and good_secret and len(rows) == 1
        and len(rows[0]) == len(kinds) and "id" in kinds and "secret" in kinds
    )
    expected = None
    if well_formed:
        name = user.strip() if "user" in kinds else ""
        expected = (key_id, secret, name or None)
    return KeyFile(data, secret, expected, check_user=encoding in UNICODE_ENCODINGS)


def rootkey_file(rnd, stray: str) -> KeyFile:
    """rootkey.csv's AWSAccessKeyId=… / AWSSecretKey=… lines, sometimes broken."""
    key_id, secret = _key(rnd)
    spacing = rnd.choice(["", " ", "  "])
    quote = rnd.choice(["", '"'])
    lines = [f"AWSAccessKeyId{spacing}={spacing}{quote}{key_id}{quote}",
             f"AWSSecretKey{spacing}={spacing}{quote}{secret}{quote}"]
    broken = rnd.randint(0, 5)
    if broken == 1:
        lines.pop(rnd.randint(0, 1))
    elif broken == 2:
        lines.insert(rnd.randint(1, 2), stray)
    elif broken == 3:
        lines[1] = f"AWSSecretKey={_broken_secret(rnd, secret)}"
    elif broken == 4:
        lines[0] = f"AWSAccessKeyId={_broken_id(rnd, key_id, secret)}"
    if rnd.random() < 0.5:
        rnd.shuffle(lines)
    text = rnd.choice(["\r\n", "\n"]).join(lines) + "\n"
    data = text.encode(rnd.choice(ENCODINGS), errors="replace")
    return KeyFile(data, secret, (key_id, secret, None) if broken in (0, 5) else None)


def mangle(rnd, f: KeyFile) -> KeyFile:
    """Bytes-level damage: cut short, bytes inserted, one byte changed (or none)."""
    data = f.data
    how = rnd.choice(["none", "none", "truncate", "insert", "flip"])
    if how == "none" or not data:
        return f
    at = rnd.randrange(len(data))
    if how == "truncate":
        data = data[:at]
    elif how == "insert":
        data = data[:at] + rnd.randbytes(rnd.randint(1, 8)) + data[at:]
    else:
        data = data[:at] + bytes([data[at] ^ rnd.randint(1, 255)]) + data[at + 1 :]
    return KeyFile(data, f.secret)


def key_file(rnd, user: str, text: str) -> KeyFile:
    """A CSV (mostly) or rootkey file, then maybe damaged."""
    f = csv_key_file(rnd, user, text) if rnd.random() < 0.8 else rootkey_file(rnd, text)
    return mangle(rnd, f)


@st.composite
def key_files(draw) -> KeyFile:
    rnd = draw(structure)
    return key_file(rnd, draw(st.one_of(user_names, cell_text)), draw(cell_text))


@st.composite
def bytes_with_secret(draw) -> KeyFile:
    """Any bytes around a secret-looking run of text."""
    secret = draw(secrets)
    before, after = draw(st.binary(max_size=200)), draw(st.binary(max_size=200))
    return KeyFile(before + secret.encode() + after, secret)


def random_file(rnd) -> KeyFile:
    """Any of the above from a Random alone (cheap, for the forms): bytes, bytes around a
    secret, or a key file with cell text from a small pool of awkward strings."""
    kind = rnd.randrange(4)  # a quarter key files: a loaded key costs a boto3 session
    if kind < 2:
        return KeyFile(rnd.randbytes(rnd.randrange(300)), "")
    if kind == 2:
        secret = _key(rnd)[1]
        data = rnd.randbytes(rnd.randrange(100)) + secret.encode() + rnd.randbytes(rnd.randrange(100))
        return KeyFile(data, secret)
    return key_file(rnd, rnd.choice(AWKWARD), rnd.choice(AWKWARD))


AWKWARD = ["mturk-requester", "", " ", "Zoë", "a,b", 'say "hi"', "tab\there", "x" * 64, "é" * 3,
           "😀", "\u2028", "\x85", "=1+1", "'quoted'", ";", "line\nbreak"]
