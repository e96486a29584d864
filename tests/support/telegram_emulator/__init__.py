"""End-to-end harness: a real Telegram Bot API emulator for the bot's tests.

The emulator is the npm package ``telegram-test-api`` 4.2.1 (pinned in ``tests/package.json``),
started by ``launcher.js`` next to this file, which fixes what 4.2.1 gets wrong for
python-telegram-bot 22 and adds fault injection, a call log and sendPhoto/sendDocument.

Typical use::

    from tests.support.telegram_emulator import TelegramEmulator, require_node

    require_node()                      # skip locally / fail under CI=true when node is missing
    with TelegramEmulator() as emu:
        token = emu.new_token()
        app = ApplicationBuilder().token(token).base_url(emu.base_url_for_ptb).build()
        user = emu.user(token)
        ...
        user.send_command("/start")
        [reply] = user.wait_for_messages(at_least=1, timeout=5)

The bot side talks to ``emu.base_url_for_ptb`` (``http://127.0.0.1:PORT/bot``); a test acts as a
person through :class:`TelegramUser` (sync httpx; ``*_async`` variants for waiting from inside a
running event loop).

Notes: the project runs pytest with ``filterwarnings = error``; python-telegram-bot 22.2+ warns
when ``RetryAfter`` is built with an int ``retry_after`` unless ``PTB_TIMEDELTA=1`` is set, so a
test that provokes a 429 should ``monkeypatch.setenv("PTB_TIMEDELTA", "1")``. Webhook deliveries
are asynchronous (see :meth:`TelegramEmulator.webhook_deliveries`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx

__all__ = [
    "DEFAULT_BOT_USERNAME",
    "LAUNCHER",
    "TESTS_DIR",
    "BotMessage",
    "EmulatorError",
    "TelegramEmulator",
    "TelegramUser",
    "ensure_installed",
    "forum_chat",
    "group_chat",
    "make_user",
    "node_available",
    "polling",
    "private_chat",
    "require_node",
    "supergroup_chat",
]

DEFAULT_BOT_USERNAME = "tjwatch_test_bot"
LAUNCHER = Path(__file__).resolve().with_name("launcher.js")
TESTS_DIR = Path(__file__).resolve().parents[2]
MIN_NODE_MAJOR = 18
_MARKER_NAME = ".tjwatch-lockfile.sha256"


class EmulatorError(RuntimeError):
    """The emulator could not be installed, started or asked something."""


# ------------------------------------------------------------------------------------------------
# node / npm
# ------------------------------------------------------------------------------------------------
def _node_version(node: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=15, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"v?(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else None


def node_available(min_major: int = MIN_NODE_MAJOR) -> bool:
    """True when a ``node`` executable of at least ``min_major`` is on PATH."""
    node = shutil.which("node")
    if not node:
        return False
    version = _node_version(node)
    return bool(version and version[0] >= min_major)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_or_fail(reason: str) -> None:
    """``pytest.skip(reason)`` locally; ``pytest.fail(reason)`` when ``CI=true``.

    A missing prerequisite must never turn the end-to-end tests into silent skips in CI.
    """
    import pytest

    if _in_ci():
        pytest.fail(
            f"{reason} (CI=true: the end-to-end tests must run, not be skipped)", pytrace=False
        )
    pytest.skip(reason)


def require_node(min_major: int = MIN_NODE_MAJOR) -> str:
    """Return the path of ``node`` or skip the test (hard failure when ``CI=true``)."""
    node = shutil.which("node")
    if not node:
        skip_or_fail(
            f"node not installed: the Telegram emulator needs Node.js >= {min_major} on PATH"
        )
        raise AssertionError("unreachable")  # pragma: no cover
    version = _node_version(node)
    if not version or version[0] < min_major:
        shown = ".".join(map(str, version)) if version else "unknown"
        skip_or_fail(
            f"node not installed: {node} is version {shown}, "
            f"the Telegram emulator needs >= {min_major}"
        )
    return node


def _lock_hash(tests_dir: Path) -> str:
    lock = tests_dir / "package-lock.json"
    if not lock.is_file():
        raise EmulatorError(f"{lock} is missing")
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def _installed_ok(tests_dir: Path, digest: str) -> bool:
    nm = tests_dir / "node_modules"
    marker = nm / _MARKER_NAME
    return (
        marker.is_file()
        and marker.read_text().strip() == digest
        and (nm / "telegram-test-api" / "package.json").is_file()
        and (nm / "busboy" / "package.json").is_file()
    )


def ensure_installed(
    tests_dir: str | os.PathLike[str] | None = None, *, timeout: float = 600.0
) -> Path:
    """Run ``npm ci --prefix <tests_dir> --no-audit --no-fund`` unless node_modules is up to date.

    Up to date means: ``node_modules/.tjwatch-lockfile.sha256`` holds the SHA-256 of
    ``package-lock.json``. Concurrent callers (xdist workers) are serialised with a file lock.
    Returns the ``node_modules`` path; raises :class:`EmulatorError` when npm fails.
    """
    tdir = Path(tests_dir) if tests_dir is not None else TESTS_DIR
    tdir = tdir.resolve()
    digest = _lock_hash(tdir)
    nm = tdir / "node_modules"
    if _installed_ok(tdir, digest):
        return nm
    lock_path = Path(tempfile.gettempdir()) / (
        f"tjwatch-npm-ci-{hashlib.sha1(str(tdir).encode()).hexdigest()[:12]}.lock"
    )
    with open(lock_path, "w") as lock_fh:
        fcntl.flock(lock_fh, fcntl.LOCK_EX)
        try:
            if _installed_ok(tdir, digest):
                return nm
            npm = shutil.which("npm")
            if not npm:
                raise EmulatorError("npm not found on PATH: cannot install the Telegram emulator")
            cmd = [npm, "ci", "--prefix", str(tdir), "--no-audit", "--no-fund"]
            try:
                proc = subprocess.run(
                    cmd, cwd=tdir, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired as exc:
                raise EmulatorError(f"{' '.join(cmd)} timed out after {timeout:.0f}s") from exc
            if proc.returncode != 0:
                raise EmulatorError(
                    f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
                )
            (nm / _MARKER_NAME).write_text(digest + "\n")
        finally:
            fcntl.flock(lock_fh, fcntl.LOCK_UN)
    return nm


# ------------------------------------------------------------------------------------------------
# users and chats
# ------------------------------------------------------------------------------------------------
def make_user(
    user_id: int | None = None,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    """A Telegram ``User`` (a person, ``is_bot: false``); random id when not given."""
    uid = user_id if user_id is not None else random.randint(10_000_000, 2_000_000_000)
    user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    user["username"] = username if username is not None else f"tester{uid}"
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat between ``user`` and the bot (chat id == user id)."""
    chat: dict[str, Any] = {
        "id": user["id"],
        "type": "private",
        "first_name": user.get("first_name", ""),
    }
    if user.get("username"):
        chat["username"] = user["username"]
    return chat


def group_chat(chat_id: int | None = None, *, title: str = "tjwatch test group") -> dict[str, Any]:
    """A basic group: negative id, ``type: group``."""
    cid = chat_id if chat_id is not None else -random.randint(100_000, 999_999_999)
    if cid >= 0:
        raise ValueError("group chat ids are negative")
    return {"id": cid, "type": "group", "title": title}


def supergroup_chat(
    chat_id: int | None = None,
    *,
    title: str = "tjwatch test supergroup",
    username: str | None = None,
    is_forum: bool = False,
) -> dict[str, Any]:
    """A supergroup: id ``-100…``, ``type: supergroup``; ``is_forum`` for topic-enabled groups."""
    cid = chat_id if chat_id is not None else -(1_000_000_000_000 + random.randint(1, 999_999_999))
    if cid >= 0:
        raise ValueError("supergroup chat ids are negative")
    chat: dict[str, Any] = {"id": cid, "type": "supergroup", "title": title}
    if username:
        chat["username"] = username
    if is_forum:
        chat["is_forum"] = True
    return chat


def forum_chat(chat_id: int | None = None, *, title: str = "tjwatch test forum") -> dict[str, Any]:
    """A forum supergroup (topics). Pair it with ``message_thread_id`` on :class:`TelegramUser`."""
    return supergroup_chat(chat_id, title=title, is_forum=True)


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _chat_id(chat: dict[str, Any] | int | str) -> int | str:
    if isinstance(chat, dict):
        return cast("int | str", chat["id"])
    return chat


# ------------------------------------------------------------------------------------------------
# messages the bot sent
# ------------------------------------------------------------------------------------------------
@dataclass
class BotMessage:
    """A message the bot sent, as the user sees it.

    ``text`` / ``caption`` are exactly what the bot sent (HTML tags included when
    ``parse_mode`` is HTML); ``plain_text`` / ``plain_caption`` are what a Telegram client
    displays (tags stripped, entities decoded), ``entities`` their formatting.
    ``sent`` is the Bot API ``Message`` the bot received; ``raw`` the emulator's record.
    """

    message_id: int
    chat_id: int | str
    text: str | None
    plain_text: str | None
    caption: str | None
    plain_caption: str | None
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    message_thread_id: int | None
    photo: dict[str, Any] | None
    document: dict[str, Any] | None
    edit_count: int
    sent: dict[str, Any] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> BotMessage:
        msg = record.get("message") or {}
        sent = record.get("sent") or {}
        chat_raw = msg.get("chat_id", (sent.get("chat") or {}).get("id"))
        try:
            chat_id: int | str = int(cast(Any, chat_raw))
        except (TypeError, ValueError):
            chat_id = str(chat_raw)
        markup = sent.get("reply_markup")
        if markup is None and isinstance(msg.get("reply_markup"), dict):
            markup = msg["reply_markup"]
        thread = sent.get("message_thread_id")
        return cls(
            message_id=int(record.get("messageId", sent.get("message_id", 0))),
            chat_id=chat_id,
            text=msg.get("text"),
            plain_text=sent.get("text"),
            caption=msg.get("caption"),
            plain_caption=sent.get("caption"),
            parse_mode=msg.get("parse_mode"),
            entities=list(sent.get("entities") or sent.get("caption_entities") or []),
            reply_markup=markup,
            message_thread_id=int(thread) if thread is not None else None,
            photo=msg.get("photo") if isinstance(msg.get("photo"), dict) else None,
            document=msg.get("document") if isinstance(msg.get("document"), dict) else None,
            edit_count=int(record.get("editCount", 0)),
            sent=sent,
            raw=record,
        )

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [btn for row in rows for btn in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def button(
        self, text: str | None = None, *, callback_data: str | None = None
    ) -> dict[str, Any]:
        """The first button whose text contains ``text`` and/or with this ``callback_data``."""
        for btn in self.buttons:
            if text is not None and text not in btn.get("text", ""):
                continue
            if callback_data is not None and btn.get("callback_data") != callback_data:
                continue
            return btn
        raise AssertionError(
            f"no button text~{text!r} callback_data={callback_data!r} "
            f"in message {self.message_id}: {self.buttons}"
        )


# ------------------------------------------------------------------------------------------------
# the emulator process
# ------------------------------------------------------------------------------------------------
def _kill_group(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)


class TelegramEmulator:
    """The ``telegram-test-api`` emulator in a child Node process (its own process group).

    ``with TelegramEmulator() as emu:`` starts it on a free 127.0.0.1 port and stops it on exit.
    One emulator can serve many tests: storage, faults and the call log are split by bot token,
    so give every test its own :meth:`new_token`.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = "tjwatch test bot",
        tests_dir: str | os.PathLike[str] | None = None,
        install: bool = True,
        startup_timeout: float = 20.0,
        store_timeout: int = 86_400,
        max_poll_timeout: int = 50,
        validate_html: bool = True,
        debug: bool = False,
        node: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.tests_dir = Path(tests_dir).resolve() if tests_dir is not None else TESTS_DIR
        self.install = install
        self.startup_timeout = startup_timeout
        self.store_timeout = store_timeout
        self.max_poll_timeout = max_poll_timeout
        self.validate_html = validate_html
        self.debug = debug
        self.node = node
        self.extra_env = dict(env or {})
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._client: httpx.Client | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._reader: threading.Thread | None = None
        self._last_logs = ""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> TelegramEmulator:
        if self._proc is not None:
            raise EmulatorError("emulator already started")
        node = self.node or shutil.which("node")
        if not node:
            raise EmulatorError("node not installed: cannot start the Telegram emulator")
        if self.install:
            ensure_installed(self.tests_dir)
        env = dict(os.environ)
        env.update(
            {
                "TGEMU_HOST": self.host,
                "TGEMU_PORT": str(self.requested_port),
                "TGEMU_BOT_USERNAME": self.bot_username,
                "TGEMU_BOT_FIRST_NAME": self.bot_first_name,
                "TGEMU_STORE_TIMEOUT": str(self.store_timeout),
                "TGEMU_MAX_POLL_TIMEOUT": str(self.max_poll_timeout),
                "TGEMU_VALIDATE_HTML": "1" if self.validate_html else "0",
                "TGEMU_EXIT_ON_STDIN_CLOSE": "1",
            }
        )
        env.pop("NODE_OPTIONS", None)
        if self.debug:
            env["DEBUG"] = "TelegramServer:*"
        env.update(self.extra_env)
        # kept open for the child's lifetime; closed in stop()
        self._log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="tgemu-", suffix=".log", delete=False
        )
        self._proc = subprocess.Popen(
            [node, str(LAUNCHER), "--host", self.host, "--port", str(self.requested_port)],
            cwd=str(self.tests_dir),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            start_new_session=True,
        )
        self._finalizer = weakref.finalize(self, _kill_group, self._proc)
        try:
            self.port = self._read_port()
            self._client = httpx.Client(base_url=self.api_root, timeout=10.0, trust_env=False)
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_port(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        box: dict[str, Any] = {}

        def reader() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            box["line"] = self._proc.stdout.readline().decode("utf-8", "replace")
            # keep draining so the launcher can never block on a full stdout pipe
            for _ in iter(lambda: self._proc.stdout.read(4096), b""):  # type: ignore[union-attr]
                pass

        self._reader = threading.Thread(target=reader, name="tgemu-stdout", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if "line" in box:
                break
            if self._proc.poll() is not None:
                time.sleep(0.05)
                if "line" not in box:
                    break
            time.sleep(0.01)
        line = box.get("line", "")
        m = re.match(r"LISTENING (\S+):(\d+)", line)
        if not m:
            raise EmulatorError(
                f"emulator did not start within {self.startup_timeout}s "
                f"(exit code {self._proc.poll()}, first stdout line {line!r}):\n"
                f"{self.logs()[-4000:]}"
            )
        return int(m.group(2))

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                r = self.client.get("/_control/health", timeout=2.0)
                if r.status_code == 200 and r.json().get("ok"):
                    return
            except httpx.HTTPError as exc:
                last = exc
            if self._proc is not None and self._proc.poll() is not None:
                break
            time.sleep(0.02)
        raise EmulatorError(
            f"emulator not answering on {self.api_root}: {last!r}\n{self.logs()[-4000:]}"
        )

    def stop(self) -> None:
        """Stop the emulator (SIGTERM to its process group, SIGKILL after 3 s). Idempotent."""
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            _kill_group(proc)
            if self._reader is not None:
                self._reader.join(timeout=2.0)  # EOF once the process group is gone
                self._reader = None
            if proc.stdout is not None:
                with contextlib.suppress(OSError):
                    proc.stdout.close()
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if self._log_file is not None:
            self._last_logs = self.logs()
            with contextlib.suppress(OSError):
                self._log_file.close()
            with contextlib.suppress(OSError):
                os.unlink(self._log_file.name)
            self._log_file = None

    def __enter__(self) -> TelegramEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def logs(self) -> str:
        """The launcher's stderr so far (set ``debug=True`` for every request)."""
        if self._log_file is None:
            return self._last_logs
        with contextlib.suppress(OSError):
            return Path(self._log_file.name).read_text(errors="replace")
        return ""

    # -- addresses ---------------------------------------------------------------------------
    @property
    def api_root(self) -> str:
        if self.port is None:
            raise EmulatorError("emulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url_for_ptb(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: the bot calls ``{this}{TOKEN}/{method}``."""
        return f"{self.api_root}/bot"

    @property
    def base_file_url_for_ptb(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (getFile downloads)."""
        return f"{self.api_root}/file/bot"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            raise EmulatorError("emulator not started")
        return self._client

    # -- plumbing ----------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.client.request(method, path, **kwargs)
        try:
            body = r.json()
        except ValueError:
            raise EmulatorError(
                f"{method} {path}: HTTP {r.status_code}, not JSON: {r.text[:500]!r}"
            ) from None
        if r.status_code >= 300 or not body.get("ok"):
            raise EmulatorError(f"{method} {path}: HTTP {r.status_code}: {body}")
        return body["result"]

    def user_api(self, path: str, payload: dict[str, Any]) -> Any:
        """POST to a user-side route (``/sendCommand``, ``/sendCallback``, ...)."""
        return self._request("POST", path, json=payload)

    def bot_api(self, token: str, method: str, **params: Any) -> dict[str, Any]:
        """Call a Bot API method directly; returns the whole JSON answer (``ok`` may be false)."""
        r = self.client.post(f"/bot{token}/{method}", json=params)
        return cast("dict[str, Any]", r.json())

    # -- bots and users ----------------------------------------------------------------------
    @staticmethod
    def new_token() -> str:
        """A fresh random token shaped like a real one (``<bot id>:<35 chars>``)."""
        return f"{random.randint(1_000_000_000, 9_999_999_999)}:{secrets.token_urlsafe(26)[:35]}"

    def set_bot_identity(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> dict[str, Any]:
        """Per-token getMe answer (default: ``bot_username`` given to the emulator)."""
        return cast(
            "dict[str, Any]",
            self._request(
                "POST",
                "/_control/bot",
                json={"token": token, "username": username, "first_name": first_name},
            ),
        )

    def user(
        self,
        token: str,
        *,
        user: dict[str, Any] | None = None,
        chat: dict[str, Any] | None = None,
        message_thread_id: int | None = None,
        **user_fields: Any,
    ) -> TelegramUser:
        """A :class:`TelegramUser` talking to the bot ``token`` (private chat unless ``chat``)."""
        return TelegramUser(
            self,
            token,
            user=user or make_user(**user_fields),
            chat=chat,
            message_thread_id=message_thread_id,
        )

    # -- control: faults -----------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        parameters: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        delay: float = 0.0,
    ) -> str:
        """Make the next ``times`` calls of bot ``method`` answer a Telegram error.

        ``times=-1``: until :meth:`clear_faults`. ``chat_id``/``token`` restrict the matching
        calls;
        ``method="*"`` matches every method. Examples::

            emu.fail_next("sendMessage", 429, parameters={"retry_after": 1})
            emu.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=42)
            emu.fail_next("sendMessage", 400,
                          "Bad Request: group chat was upgraded to a supergroup chat",
                          parameters={"migrate_to_chat_id": -100123})
        """
        payload: dict[str, Any] = {
            "method": method,
            "error_code": int(error_code),
            "times": times,
            "delay_ms": int(delay * 1000),
        }
        if description is not None:
            payload["description"] = description
        if parameters:
            payload["parameters"] = parameters
        return self._add_rule(payload, chat_id, token)

    def _add_rule(
        self, payload: dict[str, Any], chat_id: int | str | None, token: str | None
    ) -> str:
        """Register a fault rule (restricted to a chat and a bot token when given); its id."""
        if chat_id is not None:
            payload["chat_id"] = chat_id
        if token is not None:
            payload["token"] = token
        return str(self._request("POST", "/_control/fail", json=payload)["id"])

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1, **kw: Any) -> str:
        """429 ``Too Many Requests: retry after N`` with ``parameters.retry_after``."""
        return self.fail_next(
            method,
            429,
            f"Too Many Requests: retry after {retry_after}",
            times,
            parameters={"retry_after": retry_after},
            **kw,
        )

    def delay_next(
        self,
        method: str,
        seconds: float,
        times: int = 1,
        *,
        chat_id: int | str | None = None,
        token: str | None = None,
    ) -> str:
        """Answer the next calls normally but only after ``seconds`` (provoke client timeouts)."""
        payload: dict[str, Any] = {
            "method": method,
            "times": times,
            "delay_ms": int(seconds * 1000),
        }
        return self._add_rule(payload, chat_id, token)

    def drop_next(
        self,
        method: str,
        times: int = 1,
        *,
        chat_id: int | str | None = None,
        token: str | None = None,
    ) -> str:
        """Close the connection without an answer (the client sees a network error)."""
        payload: dict[str, Any] = {"method": method, "times": times, "drop": True}
        return self._add_rule(payload, chat_id, token)

    def respond_with(
        self,
        method: str,
        result: Any,
        times: int = -1,
        *,
        chat_id: int | str | None = None,
        token: str | None = None,
    ) -> str:
        """Answer ``{ok: true, result}`` for ``method`` (e.g. getChatMember)."""
        payload: dict[str, Any] = {"method": method, "times": times, "result": result}
        return self._add_rule(payload, chat_id, token)

    def faults(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", self._request("GET", "/_control/rules"))

    def clear_faults(self, token: str | None = None) -> int:
        params = {"token": token} if token else None
        return int(self._request("DELETE", "/_control/rules", params=params)["removed"])

    # -- control: call log ---------------------------------------------------------------------
    def calls(
        self,
        method: str | Iterable[str] | None = None,
        *,
        token: str | None = None,
        chat_id: int | str | None = None,
        since_seq: int = 0,
    ) -> list[dict[str, Any]]:
        """Every Bot API call received: ``{seq, time (epoch s), method, token, chat_id, params,
        status (HTTP), error_code, description, injected, duration_ms}``, oldest first."""
        params: dict[str, Any] = {}
        if method:
            params["method"] = method if isinstance(method, str) else ",".join(method)
        if token:
            params["token"] = token
        if chat_id is not None:
            params["chat_id"] = str(chat_id)
        if since_seq:
            params["since_seq"] = str(since_seq)
        return cast("list[dict[str, Any]]", self._request("GET", "/_control/calls", params=params))

    def clear_calls(self, token: str | None = None) -> int:
        params = {"token": token} if token else None
        return int(self._request("DELETE", "/_control/calls", params=params)["removed"])

    def webhook_deliveries(self, token: str | None = None) -> list[dict[str, Any]]:
        """Webhook POSTs made so far: ``{token, update_id, url, time, status, error}``.

        Deliveries are asynchronous (the user side never waits for the bot), sequential per bot
        and not retried; a failed one is also logged on the emulator's stderr.
        """
        params = {"token": token} if token else None
        return cast(
            "list[dict[str, Any]]",
            self._request("GET", "/_control/webhook_deliveries", params=params),
        )

    def reset(self) -> None:
        """Forget every message, fault, call, command and file (all tokens)."""
        self._request("POST", "/_control/reset")

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a photo/document the bot uploaded."""
        r = self.client.get(f"/_control/files/{file_id}")
        if r.status_code != 200:
            raise EmulatorError(f"file {file_id}: HTTP {r.status_code} {r.text[:200]}")
        return r.content


# ------------------------------------------------------------------------------------------------
# a person
# ------------------------------------------------------------------------------------------------
T = TypeVar("T")
Predicate = Callable[[BotMessage], bool]


class TelegramUser:
    """A test acting as a person writing to the bot ``token``.

    ``chat`` defaults to the private chat with the bot; pass :func:`group_chat`,
    :func:`supergroup_chat` or :func:`forum_chat` (+ ``message_thread_id``) for the others.
    Everything received is kept in :attr:`received`.
    """

    def __init__(
        self,
        emulator: TelegramEmulator,
        token: str,
        *,
        user: dict[str, Any] | None = None,
        chat: dict[str, Any] | None = None,
        message_thread_id: int | None = None,
    ) -> None:
        self.emulator = emulator
        self.token = token
        self.user = user or make_user()
        self.chat = chat or private_chat(self.user)
        self.message_thread_id = message_thread_id
        self.received: list[BotMessage] = []

    # -- variants --------------------------------------------------------------------------------
    def in_chat(
        self, chat: dict[str, Any], *, message_thread_id: int | None = None
    ) -> TelegramUser:
        """The same person in another chat (group, topic)."""
        return TelegramUser(
            self.emulator,
            self.token,
            user=self.user,
            chat=chat,
            message_thread_id=message_thread_id,
        )

    # -- sending -----------------------------------------------------------------------------------
    def _message_payload(
        self,
        text: str,
        chat: dict[str, Any] | None,
        from_: dict[str, Any] | None,
        message_thread_id: int | None,
        reply_to: BotMessage | dict[str, Any] | None,
    ) -> dict[str, Any]:
        chat = chat or self.chat
        payload: dict[str, Any] = {
            "botToken": self.token,
            "from": from_ or self.user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        thread = message_thread_id if message_thread_id is not None else self.message_thread_id
        if thread is not None:
            payload["message_thread_id"] = thread
            if chat.get("is_forum"):
                payload["is_topic_message"] = True
        if reply_to is not None:
            payload["reply_to_message"] = (
                reply_to.sent if isinstance(reply_to, BotMessage) else reply_to
            )
        return payload

    def send_command(
        self,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        from_: dict[str, Any] | None = None,
        message_thread_id: int | None = None,
        reply_to: BotMessage | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send ``/cmd``, ``/cmd args`` or ``/cmd@botname args`` with a ``bot_command`` entity.

        Returns ``{update_id, message_id}``.
        """
        if not text.startswith("/"):
            raise ValueError(f"a command starts with '/': {text!r}")
        command = text.split(maxsplit=1)[0]
        payload = self._message_payload(text, chat, from_, message_thread_id, reply_to)
        payload["entities"] = [{"offset": 0, "length": _utf16_len(command), "type": "bot_command"}]
        return cast("dict[str, Any]", self.emulator.user_api("/sendCommand", payload))

    def send_message(
        self,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        from_: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
        message_thread_id: int | None = None,
        reply_to: BotMessage | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send plain text (no command entity, so CommandHandlers do not fire)."""
        payload = self._message_payload(text, chat, from_, message_thread_id, reply_to)
        if entities:
            payload["entities"] = entities
        return cast("dict[str, Any]", self.emulator.user_api("/sendMessage", payload))

    def press_button(
        self,
        callback_data: str,
        message: BotMessage | dict[str, Any] | int | None = None,
        *,
        from_: dict[str, Any] | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        """Press the inline button carrying ``callback_data`` under ``message``.

        ``message``: a :class:`BotMessage`, a Bot API message dict, a message id (in this chat),
        or ``None`` for the latest received message that has such a button. With ``check`` the
        button must exist in the message's current keyboard, as for a real person.
        Returns ``{update_id, callback_query_id}``.
        """
        target: dict[str, Any]
        if message is None:
            current = [m for m in self.bot_messages() if callback_data in m.callback_data]
            if not current:
                raise AssertionError(
                    f"no bot message in chat {self.chat['id']} has a button {callback_data!r}"
                )
            target = current[-1].sent
        elif isinstance(message, BotMessage):
            target = message.sent
        elif isinstance(message, int):
            target = {"message_id": message, "chat": self.chat, "date": int(time.time())}
        else:
            target = message
        if check:
            current_msg = self._current(target)
            if current_msg is not None and callback_data not in current_msg.callback_data:
                raise AssertionError(
                    f"message {current_msg.message_id} has no button {callback_data!r}: "
                    f"{current_msg.callback_data}"
                )
        payload = {
            "botToken": self.token,
            "from": from_ or self.user,
            "data": callback_data,
            "chat_instance": str(target.get("chat", self.chat).get("id")),
            "message": target,
        }
        return cast("dict[str, Any]", self.emulator.user_api("/sendCallback", payload))

    # -- receiving ---------------------------------------------------------------------------------
    def get_messages(
        self, *, chat: dict[str, Any] | int | None = None, message_thread_id: int | None = None
    ) -> list[BotMessage]:
        """The bot's messages to the chat not read yet (reading consumes them), oldest first."""
        body: dict[str, Any] = {
            "token": self.token,
            "chatId": _chat_id(chat if chat is not None else self.chat),
        }
        if message_thread_id is not None:
            body["messageThreadId"] = message_thread_id
        records = self.emulator.user_api("/getUpdates", body)
        msgs = [BotMessage.from_record(r) for r in records]
        self.received.extend(msgs)
        return msgs

    def _wait_check(
        self,
        collected: list[BotMessage],
        predicate: Predicate | None,
        at_least: int,
    ) -> list[BotMessage] | None:
        matching = [m for m in collected if predicate is None or predicate(m)]
        return matching if len(matching) >= at_least else None

    def _timeout_error(
        self, what: str, timeout: float, collected: list[BotMessage]
    ) -> AssertionError:
        errors = [c for c in self.emulator.calls(token=self.token) if c.get("error_code")]
        tail = "\n".join(self.emulator.logs().splitlines()[-15:])
        return AssertionError(
            f"{what} not seen within {timeout}s in chat {self.chat['id']}.\n"
            f"received: {[(m.message_id, m.text or m.caption) for m in collected]}\n"
            "failed bot API calls: "
            f"{[(c['method'], c['error_code'], c['description']) for c in errors[-10:]]}\n"
            f"emulator log tail:\n{tail}"
        )

    def wait_for_messages(
        self,
        predicate: Predicate | None = None,
        *,
        at_least: int = 1,
        timeout: float = 5.0,
        chat: dict[str, Any] | int | None = None,
        message_thread_id: int | None = None,
        interval: float = 0.02,
    ) -> list[BotMessage]:
        """Poll until the bot sent ``at_least`` new messages (matching ``predicate``, if given).

        Returns the matching new messages; raises ``AssertionError`` (with the bot's failed API
        calls) on timeout. Blocks: inside a running event loop use :meth:`wait_for_messages_async`.
        """
        step, fail = self._messages_wait(predicate, at_least, timeout, chat, message_thread_id)
        return _poll(step, fail, timeout, interval)

    async def wait_for_messages_async(
        self,
        predicate: Predicate | None = None,
        *,
        at_least: int = 1,
        timeout: float = 5.0,
        chat: dict[str, Any] | int | None = None,
        message_thread_id: int | None = None,
        interval: float = 0.02,
    ) -> list[BotMessage]:
        """:meth:`wait_for_messages` that sleeps with ``asyncio.sleep`` (bot in the same loop)."""
        step, fail = self._messages_wait(predicate, at_least, timeout, chat, message_thread_id)
        return await _poll_async(step, fail, timeout, interval)

    def _messages_wait(
        self,
        predicate: Predicate | None,
        at_least: int,
        timeout: float,
        chat: dict[str, Any] | int | None,
        message_thread_id: int | None,
    ) -> tuple[Callable[[], list[BotMessage] | None], Callable[[], AssertionError]]:
        """One look for new messages, and the error to raise when time is up."""
        collected: list[BotMessage] = []

        def step() -> list[BotMessage] | None:
            collected.extend(self.get_messages(chat=chat, message_thread_id=message_thread_id))
            return self._wait_check(collected, predicate, at_least)

        def fail() -> AssertionError:
            return self._timeout_error(f"{at_least} bot message(s)", timeout, collected)

        return step, fail

    def assert_no_messages(
        self, *, within: float = 0.3, chat: dict[str, Any] | int | None = None
    ) -> None:
        """Fail if the bot writes to the chat within ``within`` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            got = self.get_messages(chat=chat)
            if got:
                raise AssertionError(
                    f"unexpected bot message(s): {[(m.message_id, m.text) for m in got]}"
                )
            time.sleep(0.02)

    # -- history / current state ---------------------------------------------------------------
    def history(self) -> list[dict[str, Any]]:
        """Every stored update of this bot (all chats), edits shown in place; ``role`` is
        ``"bot"`` or ``"user"``. Reading it consumes nothing."""
        return cast(
            "list[dict[str, Any]]",
            self.emulator.user_api("/getUpdatesHistory", {"token": self.token}),
        )

    def bot_messages(self, *, chat: dict[str, Any] | int | str | None = None) -> list[BotMessage]:
        """Current state (after edits/deletes) of every bot message in the chat, read or not."""
        cid = str(_chat_id(chat if chat is not None else self.chat))
        return [
            BotMessage.from_record(r)
            for r in self.history()
            if r.get("role") == "bot" and str((r.get("message") or {}).get("chat_id")) == cid
        ]

    def _current(self, message: BotMessage | dict[str, Any] | int) -> BotMessage | None:
        if isinstance(message, BotMessage):
            mid, cid = message.message_id, message.chat_id
        elif isinstance(message, int):
            mid, cid = message, self.chat["id"]
        else:
            mid, cid = message["message_id"], (message.get("chat") or self.chat)["id"]
        for m in self.bot_messages(chat=cid):
            if m.message_id == mid:
                return m
        return None

    def current(self, message: BotMessage | dict[str, Any] | int) -> BotMessage:
        """The current state of a bot message (after edits); AssertionError if deleted."""
        found = self._current(message)
        if found is None:
            raise AssertionError(f"bot message {message!r} does not exist (deleted?)")
        return found

    def wait_for_edit(
        self,
        message: BotMessage | dict[str, Any] | int,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,
        interval: float = 0.02,
    ) -> BotMessage:
        """Poll until ``message`` was edited (more edits than now) and matches ``predicate``."""
        step, fail = self._edit_wait(message, predicate, timeout)
        return _poll(step, fail, timeout, interval)

    async def wait_for_edit_async(
        self,
        message: BotMessage | dict[str, Any] | int,
        predicate: Predicate | None = None,
        *,
        timeout: float = 5.0,
        interval: float = 0.02,
    ) -> BotMessage:
        """:meth:`wait_for_edit` for use inside a running event loop."""
        step, fail = self._edit_wait(message, predicate, timeout)
        return await _poll_async(step, fail, timeout, interval)

    def _edit_wait(
        self,
        message: BotMessage | dict[str, Any] | int,
        predicate: Predicate | None,
        timeout: float,
    ) -> tuple[Callable[[], BotMessage | None], Callable[[], AssertionError]]:
        """One look for a new edit of ``message``, and the error to raise when time is up."""
        start = self._current(message)
        base = start.edit_count if start is not None else 0

        def step() -> BotMessage | None:
            cur = self._current(message)
            if cur is not None and cur.edit_count > base and (predicate is None or predicate(cur)):
                return cur
            return None

        def fail() -> AssertionError:
            cur = self._current(message)
            return self._timeout_error("an edit of the message", timeout, [cur] if cur else [])

        return step, fail

    # -- control, scoped to this bot ---------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        parameters: dict[str, Any] | None = None,
        *,
        delay: float = 0.0,
    ) -> str:
        """:meth:`TelegramEmulator.fail_next` restricted to this bot's token."""
        return self.emulator.fail_next(
            method,
            error_code,
            description,
            times,
            chat_id,
            parameters,
            token=self.token,
            delay=delay,
        )

    def calls(
        self, method: str | Iterable[str] | None = None, *, chat_id: int | str | None = None
    ) -> list[dict[str, Any]]:
        """:meth:`TelegramEmulator.calls` of this bot's token."""
        return self.emulator.calls(method, token=self.token, chat_id=chat_id)


# ------------------------------------------------------------------------------------------------
# python-telegram-bot glue (imported lazily: only tests that use PTB need it)
# ------------------------------------------------------------------------------------------------
def ptb_builder(emulator: TelegramEmulator, token: str) -> Any:
    """``ApplicationBuilder`` pointed at the emulator (bot API and file URLs)."""
    from telegram.ext import ApplicationBuilder

    return (
        ApplicationBuilder()
        .token(token)
        .base_url(emulator.base_url_for_ptb)
        .base_file_url(emulator.base_file_url_for_ptb)
    )


@contextlib.asynccontextmanager
async def polling(
    app: Any, *, poll_interval: float = 0.05, timeout: int = 10, **start_polling_kw: Any
) -> Any:
    """``async with polling(app):`` initialize, start and long-poll; stops everything on exit."""
    async with app:
        await app.start()
        await app.updater.start_polling(
            poll_interval=poll_interval, timeout=timeout, **start_polling_kw
        )
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()


def _dump(obj: Any) -> str:  # small helper for debugging from a REPL
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str)


def _poll(
    step: Callable[[], T | None],
    fail: Callable[[], AssertionError],
    timeout: float,
    interval: float,
) -> T:
    """Call ``step`` until it gives something; ``fail()`` is raised once ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    while (found := step()) is None:
        if time.monotonic() >= deadline:
            raise fail()
        time.sleep(interval)
    return found


async def _poll_async(
    step: Callable[[], T | None],
    fail: Callable[[], AssertionError],
    timeout: float,
    interval: float,
) -> T:
    """:func:`_poll` that sleeps with ``asyncio.sleep``, for a bot in the same event loop."""
    deadline = time.monotonic() + timeout
    while (found := step()) is None:
        if time.monotonic() >= deadline:
            raise fail()
        await asyncio.sleep(interval)
    return found
