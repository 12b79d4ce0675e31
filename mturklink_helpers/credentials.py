"""Key files in, key files out. An :class:`AccessKey` never shows its secret.

The AWS console hands out three kinds of key file (see ``shared/reference/mturk-facts.md``):

* ``credentials.csv`` for a new IAM user: ``User name,Password,Access key ID,Secret access
  key,Console login link``;
* ``<user>_accessKeys.csv`` for a key made later: ``Access key ID,Secret access key``;
* ``rootkey.csv``: ``AWSAccessKeyId=…`` / ``AWSSecretKey=…`` lines, or the CSV form.

People open these in Excel and save them again, so the reader tolerates a BOM, UTF-16,
CRLF, ``;`` or tab separators, quotes, stray blanks and header case. Anything else gets a
:class:`CredentialsFileError` that says what is wrong, where, and which step of the guide
fixes it. No error message ever contains a secret.
"""

from __future__ import annotations

import configparser
import csv
import functools
import hmac
import io
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import boto3

MAX_FILE_BYTES = 64 * 1024
ID_LENGTH = 20
SECRET_LENGTH = 40
CONSOLE_HEADER = ["User name", "Password", "Access key ID", "Secret access key", "Console login link"]
FIX_DOWNLOAD = "guide step 4 j–k: download the key file again, or create a new access key"

_ID_RE = re.compile(r"^[A-Z0-9]{20}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9/+=]{40}$")
_SECRET_RUN_RE = re.compile(r"[A-Za-z0-9/+=]{40}")  # a secret's shape anywhere in a text
# Anything long and key-like; such text is masked before it goes into a message.
_KEYLIKE_RE = re.compile(r"[A-Za-z0-9/+=]{16,}")


def mask_key_id(key_id: str) -> str:
    """``AKIAIOSFODNN7EXAMPLE`` → ``AKIA…MPLE``: enough to recognise a key, not to use it."""
    key_id = str(key_id)
    if len(key_id) <= 8:
        return "…"
    # A broken cell can end in a line break or a control character: keep the sentence whole.
    shown = f"{key_id[:4]}…{key_id[-4:]}"
    return "".join(c if c.isprintable() else "?" for c in shown)


def _mask_text(text: str, limit: int = 40) -> str:
    """Shorten text for a message, hiding anything that could be a key or a secret."""
    text = _KEYLIKE_RE.sub(lambda m: mask_key_id(m.group(0)), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CredentialsFileError(ValueError):
    """A key file (or profile, or environment) the kit cannot use, said in one sentence."""

    def __init__(
        self,
        problem: str,
        *,
        source: str = "",
        line: int | None = None,
        column: int | None = None,
        fix: str = FIX_DOWNLOAD,
    ):
        self.problem = problem
        self.source = source
        self.line = line
        self.column = column
        self.fix = fix
        super().__init__(self._sentence())

    @property
    def where(self) -> str:
        parts = [self.source or "the key file"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def _sentence(self) -> str:
        return f"{self.where}: {self.problem} ({self.fix})."


class AccessKey:
    """An AWS access key: its id, its secret, the IAM user name and where it came from.

    ``repr`` and ``str`` show the id masked and the secret as ``****``. It refuses to be
    pickled or copied into JSON; code that really needs the secret asks for it by name
    with :meth:`reveal_secret` (or gets a boto3 session from :meth:`session`).
    """

    __slots__ = ("_id", "_secret", "user_name", "source", "warnings")

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        user_name: str | None = None,
        source: str = "",
        warnings: Iterable[str] = (),
    ):
        object.__setattr__(self, "_id", access_key_id)
        object.__setattr__(self, "_secret", secret_access_key)
        object.__setattr__(self, "user_name", user_name or None)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "warnings", tuple(warnings))

    def __setattr__(self, name, value):
        raise AttributeError("AccessKey is immutable")

    @property
    def access_key_id(self) -> str:
        return self._id

    @property
    def masked_id(self) -> str:
        return mask_key_id(self._id)

    @property
    def is_temporary(self) -> bool:
        return self._id.startswith("ASIA")

    def reveal_secret(self) -> str:
        """The secret access key. Never print it; hand it straight to AWS or a key file."""
        return self._secret

    def session(self, region_name: str = "us-east-1") -> boto3.Session:
        """A boto3 session signing with this key (boto3 itself never shows the secret).

        Sessions share one botocore data loader: a fresh one re-reads botocore's JSON files
        (~0.1 s per client), and the doctor and provisioning make several sessions per run.
        """
        import boto3
        import botocore.session

        core = botocore.session.Session()
        core.register_component("data_loader", _shared_loader())
        return boto3.Session(
            aws_access_key_id=self._id,
            aws_secret_access_key=self._secret,
            region_name=region_name,
            botocore_session=core,
        )

    def __repr__(self) -> str:
        user = f", user_name={self.user_name!r}" if self.user_name else ""
        source = f", source={self.source!r}" if self.source else ""
        return f"AccessKey(access_key_id={self.masked_id!r}, secret_access_key='****'{user}{source})"

    def __str__(self) -> str:
        who = f" for IAM user {self.user_name}" if self.user_name else ""
        return f"access key {self.masked_id}{who} (secret ****)"

    def __eq__(self, other) -> bool:
        if not isinstance(other, AccessKey):
            return NotImplemented
        return self._id == other._id and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self._id)

    # A secret must not travel by accident: no pickling, no copy.copy through __reduce__.
    def __reduce_ex__(self, protocol):
        raise TypeError("an AccessKey holds a secret and cannot be pickled")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def to_dict(self) -> dict:
        """A JSON-safe summary: the masked id, never the secret."""
        return {
            "access_key_id": self.masked_id,
            "secret_access_key": "****",
            "user_name": self.user_name,
            "source": self.source,
            "warnings": list(self.warnings),
        }


@functools.cache
def _shared_loader():
    from botocore.loaders import create_loader

    return create_loader()


# --------------------------------------------------------------------------------------
# Checking a key's shape


def check_key(key_id: str, secret: str, *, source: str = "", line=None, id_col=None, secret_col=None):
    """Raise CredentialsFileError unless (key_id, secret) look like a long-term AWS key."""
    key_id = key_id.strip()
    secret = secret.strip()

    def fail(problem, column, fix=FIX_DOWNLOAD):
        raise CredentialsFileError(problem, source=source, line=line, column=column, fix=fix)

    looks_like_id = bool(_ID_RE.match(secret)) and secret[:4] in ("AKIA", "ASIA")
    if len(key_id) == SECRET_LENGTH and looks_like_id:
        fail(
            "the access key id and the secret access key are swapped (the id is the "
            "20-character value starting with AKIA)",
            id_col,
            "put each value back in its own column, or download the key file again (guide step 4 j–k)",
        )
    if not key_id:
        fail("the access key id is empty", id_col)
    if not secret:
        fail("the secret access key is empty", secret_col)
    if key_id.startswith("ASIA"):
        fail(
            f"the access key id {mask_key_id(key_id)} belongs to temporary credentials "
            "(it starts with ASIA), and MTurk does not accept temporary credentials",
            id_col,
            "create a long-term access key for an IAM user, guide step 4",
        )
    if len(key_id) != ID_LENGTH:
        fail(
            f"the access key id {mask_key_id(key_id)} is {len(key_id)} characters long; "
            f"access key ids are {ID_LENGTH} characters starting with AKIA",
            id_col,
        )
    if not _ID_RE.match(key_id) or not key_id.startswith("AKIA"):
        fail(
            f"the access key id {mask_key_id(key_id)} does not look like an AWS access key id "
            f"({ID_LENGTH} capital letters and digits starting with AKIA)",
            id_col,
        )
    if len(secret) != SECRET_LENGTH:
        fail(
            f"the secret access key is {len(secret)} characters long; "
            f"secret access keys are {SECRET_LENGTH} characters",
            secret_col,
        )
    if not _SECRET_RE.match(secret):
        fail(
            "the secret access key holds characters a secret never has "
            "(only letters, digits, / + and = are possible)",
            secret_col,
        )
    return key_id, secret


# --------------------------------------------------------------------------------------
# Reading key files


def _read_source(source) -> tuple[bytes, str]:
    """Bytes (at most MAX_FILE_BYTES + 1) and a name for messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "the key file"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name or str(path)
        try:
            with path.open("rb") as f:
                return f.read(MAX_FILE_BYTES + 1), name
        except FileNotFoundError:
            raise CredentialsFileError(
                "there is no such file", source=str(path),
                fix="check the path, or download the key file again (guide step 4 j–k)",
            ) from None
        except IsADirectoryError:
            raise CredentialsFileError(
                "this is a folder, not a key file", source=str(path),
                fix="choose the credentials.csv file inside it, the one saved in guide step 4 k",
            ) from None
        except OSError as exc:
            raise CredentialsFileError(
                f"the file cannot be read ({exc.strerror})", source=str(path),
                fix="check the file's permissions, or download the key file again (guide step 4 j–k)",
            ) from None
        except ValueError:  # open() refuses a NUL ("embedded null byte"), as every OS would
            raise CredentialsFileError(
                "a path cannot hold the character NUL", source=str(path).replace("\x00", "\\0"),
                fix="check the path, or download the key file again (guide step 4 j–k)",
            ) from None
    if hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        name = Path(getattr(source, "name", "") or "the key file").name
        if isinstance(data, str):
            data = data.encode("utf-8")
        return bytes(data), name
    raise TypeError(f"load_credentials takes a path, bytes or a file object, not {type(source).__name__}")


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data, encodings = data[3:], ["utf-8"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0:
        encodings = ["utf-16-le"]  # UTF-16 saved without a BOM
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0:
        encodings = ["utf-16-be"]
    else:
        encodings = ["utf-8", "cp1252"]  # Excel on Windows saves "CSV" in cp1252
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise CredentialsFileError(
        "this is not a text file, so it cannot be a key file", source=name
    )


def _normalise(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().strip('"').lower().replace("_", " ").split())


_COLUMN_NAMES = {
    "access key id": "id",
    "accesskeyid": "id",
    "awsaccesskeyid": "id",
    "secret access key": "secret",
    "secretaccesskey": "secret",
    "awssecretkey": "secret",
    "user name": "user",
    "username": "user",
    "password": "password",
    "console login link": "link",
}


def _pick_delimiter(first_line: str) -> str:
    counts = {d: 0 for d in ",;\t"}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _parse_rootkey_lines(lines: list[tuple[int, str]], name: str) -> AccessKey:
    values: dict[str, tuple[int, str]] = {}
    for number, line in lines:
        if "=" not in line:
            raise CredentialsFileError(
                "this line is not of the form AWSAccessKeyId=… or AWSSecretKey=…",
                source=name, line=number, column=1,
            )
        field, _, value = line.partition("=")
        kind = _COLUMN_NAMES.get(_normalise(field).replace(" ", ""))
        if kind in ("id", "secret"):
            values[kind] = (number, value.strip().strip('"'))
    for kind, label in (("id", "AWSAccessKeyId"), ("secret", "AWSSecretKey")):
        if kind not in values:
            raise CredentialsFileError(f"the {label}= line is missing", source=name)
    (id_line, key_id), (secret_line, secret) = values["id"], values["secret"]
    try:
        key_id, secret = check_key(key_id, secret, source=name, line=id_line, id_col=1)
    except CredentialsFileError as exc:
        if exc.column is None:  # a problem with the secret: point at the secret's line
            exc = CredentialsFileError(exc.problem, source=name, line=secret_line, column=1, fix=exc.fix)
        raise exc from None
    return AccessKey(key_id, secret, source=name)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith("<") or "<html" in head or "<!doctype" in head


def parse_credentials_text(text: str, name: str = "the key file", user_name: str | None = None) -> AccessKey:
    """Parse the text of a key file; see :func:`load_credentials`."""
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not numbered:
        raise CredentialsFileError("the file is empty", source=name)
    if _looks_like_html(text):
        raise CredentialsFileError(
            "this is a web page (HTML), not a key file; the browser saved the page instead of the download",
            source=name, line=numbered[0][0],
            fix="guide step 4 j: choose Download .csv on the Success page, or create a new access key",
        )
    first = numbered[0][1]
    if re.match(r"^\s*\"?aws(accesskeyid|secretkey)\"?\s*=", first, re.IGNORECASE):
        return _parse_rootkey_lines(numbered, name)

    delimiter = _pick_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise CredentialsFileError(
            f"the file is not valid CSV ({exc})", source=name, line=reader.line_num
        ) from None
    rows = [(n, [cell.strip() for cell in row]) for n, row in rows if any(c.strip() for c in row)]
    if not rows:  # only separators, such as ",,,"
        raise CredentialsFileError("the file holds no values, only separators", source=name)
    header_line, header = rows[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        kind = _COLUMN_NAMES.get(_normalise(cell)) or _COLUMN_NAMES.get(_normalise(cell).replace(" ", ""))
        if kind and kind not in columns:
            columns[kind] = index
    missing = [label for kind, label in (("id", "Access key ID"), ("secret", "Secret access key")) if kind not in columns]
    if missing:
        if any(_ID_RE.match(cell) for cell in header):
            problem = "the file has no header row (the first line should name the columns, such as Access key ID,Secret access key)"
        else:
            found = ", ".join(repr(_mask_text(c)) for c in header if c) or "nothing"
            problem = (
                f"the column{'s' if len(missing) > 1 else ''} {' and '.join(repr(m) for m in missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing (the first line names {found})"
            )
        raise CredentialsFileError(problem, source=name, line=header_line)

    records = rows[1:]
    if not records:
        raise CredentialsFileError(
            "the file names its columns but holds no key", source=name, line=header_line + 1
        )

    def cell(row, kind):
        index = columns.get(kind)
        return row[index] if index is not None and index < len(row) else ""

    if len(records) > 1:
        users = [cell(row, "user") for _, row in records]
        if user_name is not None:
            chosen = [(n, row) for n, row in records if cell(row, "user") == user_name]
            if not chosen:
                raise CredentialsFileError(
                    f"there is no key for the IAM user {user_name!r} (the file has keys for "
                    f"{', '.join(repr(_mask_text(u)) for u in users if u) or 'unnamed users'})",
                    source=name, fix="choose one of the user names it lists; each comes from guide step 4 j–k",
                )
            records = chosen[:1]
        else:
            described = [
                # user names are masked like header cells: a shifted row can put the secret there
                repr(_mask_text(u)) if u else mask_key_id(cell(row, "id"))
                for u, (_, row) in zip(users, records, strict=True)
            ]
            raise CredentialsFileError(
                f"the file holds {len(records)} keys ({', '.join(described)}), and the kit needs one",
                source=name, line=records[1][0],
                fix="choose one by its user name (user_name=…), or keep one key per file as guide step 4 k does",
            )
    line, row = records[0]
    key_id, secret = check_key(
        cell(row, "id"), cell(row, "secret"), source=name, line=line,
        id_col=columns["id"] + 1, secret_col=columns["secret"] + 1,
    )
    warnings = []
    if cell(row, "password"):
        warnings.append(
            f"{name} also holds a console password: keep it somewhere safe and never share the file"
        )
    user = cell(row, "user")
    if _SECRET_RUN_RE.search(user):  # no IAM user name looks like this; a secret does
        # The name would carry a secret (this key's or another's) into every repr and message.
        raise CredentialsFileError(
            "the User name column holds something shaped like a secret access key: the file's "
            "columns are out of order",
            source=name, line=line, column=columns["user"] + 1,
        )
    return AccessKey(key_id, secret, user_name=user or None, source=name, warnings=warnings)


def load_credentials(source: str | os.PathLike | bytes | IO, user_name: str | None = None) -> AccessKey:
    """Read a key file the AWS console handed out (path, bytes or file object).

    ``user_name`` chooses a key when a file holds several. Raises
    :class:`CredentialsFileError` with a one-sentence reason for anything else.
    """
    data, name = _read_source(source)
    if len(data) > MAX_FILE_BYTES:
        raise CredentialsFileError(
            f"the file is larger than {MAX_FILE_BYTES // 1024} KiB, far too large for a key file",
            source=name, fix="choose the credentials.csv you downloaded in guide step 4 j–k",
        )
    return parse_credentials_text(_decode(data, name), name, user_name)


def load_credentials_if_there(path: str | os.PathLike | None) -> AccessKey | None:
    """The key in the file at ``path``; None when there is no path, or the file was moved,
    deleted or no longer reads as a key (a remembered key file, read again)."""
    if not path:
        return None
    try:
        return load_credentials(path)
    except (CredentialsFileError, OSError):
        return None


# --------------------------------------------------------------------------------------
# Writing key files, atomically and readable by the owner only


def write_private_file(path: str | os.PathLike, text: str, *, overwrite: bool) -> Path:
    """Write text to path with mode 0600, all at once: a temp file, then a rename."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists: no race with another writer
            except FileExistsError:
                raise FileExistsError(
                    f"{path} already exists; pass overwrite=True to replace it"
                ) from None
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_credentials(key: AccessKey, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``key`` as the console's credentials.csv: mode 0600, atomic, no overwrite unless asked."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CONSOLE_HEADER)
    writer.writerow([key.user_name or "", "", key.access_key_id, key.reveal_secret(), ""])
    return write_private_file(Path(path), out.getvalue(), overwrite=overwrite)


def shared_credentials_path() -> Path:
    """The AWS shared credentials file, as the AWS CLI finds it."""
    return Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")).expanduser()


def save_profile(key: AccessKey, name: str = "mturk", path: str | os.PathLike | None = None) -> Path:
    """Put ``key`` in the shared credentials file as profile ``name``.

    Every other profile, comment and setting is kept; the file ends up mode 0600.
    """
    path = Path(path).expanduser() if path else shared_credentials_path()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    new_values = {
        "aws_access_key_id": key.access_key_id,
        "aws_secret_access_key": key.reveal_secret(),
    }
    out, in_section, found = [], False, False
    pending = dict(new_values)

    def flush_pending():
        for k, v in pending.items():
            out.append(f"{k} = {v}")
        pending.clear()

    for line in lines:
        header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if header:
            if in_section:
                flush_pending()
            in_section = header.group(1).strip() == name
            found = found or in_section
            out.append(line)
            continue
        setting = re.match(r"^\s*([A-Za-z0-9_]+)\s*=", line)
        if in_section and setting:
            option = setting.group(1).lower()
            if option in new_values:
                if option in pending:
                    out.append(f"{option} = {pending.pop(option)}")
                continue
            if option == "aws_session_token":
                continue  # a long-term key has no session token
        out.append(line)
    if in_section:
        flush_pending()
    if not found:
        if out and out[-1].strip():
            out.append("")
        out.append(f"[{name}]")
        flush_pending()
    return write_private_file(path, "\n".join(out) + "\n", overwrite=True)


def load_profile(name: str = "mturk", path: str | os.PathLike | None = None) -> AccessKey:
    """Read profile ``name`` from the shared credentials file."""
    path = Path(path).expanduser() if path else shared_credentials_path()
    fix = (f"save the key from credentials.csv (guide step 4 k) as a profile with save_profile, "
           f"or run `aws configure --profile {name}`")
    if not path.exists():
        raise CredentialsFileError("there is no such file", source=str(path), fix=fix)
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise CredentialsFileError(
            f"the file is not a valid AWS credentials file ({type(exc).__name__})",
            source=str(path), line=getattr(exc, "lineno", None), fix="fix or remove the broken line, or save the key again from credentials.csv (guide step 4 k)",
        ) from None
    if not parser.has_section(name):
        raise CredentialsFileError(f"there is no profile [{name}]", source=str(path), fix=fix)
    section = parser[name]
    if section.get("aws_session_token"):
        raise CredentialsFileError(
            f"profile [{name}] holds temporary credentials, which MTurk does not accept",
            source=str(path), fix="create a long-term access key for an IAM user, guide step 4",
        )
    for option in ("aws_access_key_id", "aws_secret_access_key"):
        if not section.get(option):
            raise CredentialsFileError(f"profile [{name}] has no {option}", source=str(path), fix=fix)
    where = f"{path} [{name}]"
    key_id, secret = check_key(section["aws_access_key_id"], section["aws_secret_access_key"], source=where)
    return AccessKey(key_id, secret, source=where)


def load_environment(environ=None) -> AccessKey:
    """Read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment."""
    environ = os.environ if environ is None else environ
    where = "the environment variables"
    fix = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the values in credentials.csv (guide step 4 k)"
    if environ.get("AWS_SESSION_TOKEN"):
        raise CredentialsFileError(
            "AWS_SESSION_TOKEN is set, so these are temporary credentials, which MTurk does not accept",
            source=where, fix="unset AWS_SESSION_TOKEN and use an IAM user's long-term key, guide step 4",
        )
    key_id = environ.get("AWS_ACCESS_KEY_ID", "")
    secret = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key_id or not secret:
        raise CredentialsFileError("AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set", source=where, fix=fix)
    key_id, secret = check_key(key_id, secret, source=where)
    return AccessKey(key_id, secret, source=where)
