"""Writing what perfrules produces: atomically (a temporary file in the same folder, then a
rename: never a half file, even when killed), as UTF-8 that can always be encoded.  The
library writes through here (reports, the batch summary and manifest, ruleset books, the
studio's saves), so no part of it needs the command line.
"""

from __future__ import annotations

import os

from perfrules.errors import PerfrulesError, os_reason


def writable(text: str) -> str:
    """*text* that UTF-8 can encode: a lone surrogate (a JSON input may hold "\\ud800")
    becomes the escape ``\\ud800``, still valid in a JSON string, readable elsewhere."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def write_atomic(path: str, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and a rename: never a half file."""
    import tempfile  # only when writing a file: about 10 ms of imports a plain `score` does not need

    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".perfrules-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PerfrulesError(f"无法写入输出文件：{os_reason(exc)}", code="io") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(writable(data).encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        _silent_remove(tmp)
        raise PerfrulesError(f"无法写入输出文件 {path}：{os_reason(exc)}", code="io") from None
    except BaseException:
        _silent_remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _silent_remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
