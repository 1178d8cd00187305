"""A small shell player: what a task container's ``command``/``args`` would do.

Task images (busybox, alpine, ubuntu, ...) do what their command says.  The
runtime does not run it; it *reads* it, the way a person skimming a manifest
would, and produces a :class:`Script`: how long the container runs, its exit
code, the lines it logs (at which second after start), and the files it
creates and removes (so that an exec probe ``cat /tmp/healthy`` can see them).

Understood: ``sh|bash|ash -c "..."`` with ``;``, ``&&``, ``||``, ``|``,
``while``/``until``, ``for``, ``if``, ``{ }``/``( )``, ``$VAR`` expansion; the
commands ``sleep`` (``N``, ``1m``, ``infinity``), ``exit``, ``true``, ``false``,
``:``, ``echo``, ``printf``, ``touch``, ``rm``, ``cat``, ``test``/``[``,
``date``, ``hostname``, ``env``, ``tail -f``, ``yes`` and harmless ones
(``mkdir``, ``cd``, ``export``, ``trap`` ...).  Redirections are dropped,
except that ``> file`` creates ``file``.  An infinite loop whose body takes
time becomes a periodic log; one that takes none is a busy loop (one core).

Anything else -- ``nslookup``, ``python -c``, ``perl -e`` -- is not
understood: the whole command then plays as "runs for the default time, exits
0", which is what a tutorial reader expects of it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

DATE = "\x00date"   # a log line the runtime replaces with the time it was written
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh"}
_NOOPS = {"mkdir", "cd", "export", "set", "trap", "wait", "ulimit", "chmod", "chown",
          "ln", "kill", "sync", "umask", "unset", "shift", "read", "local"}
_STEP_BUDGET = 20_000
_MAX_LOGS = 500
_KEYWORDS_END = {"do", "done", "then", "elif", "else", "fi", ")", "}"}


@dataclass(frozen=True)
class Script:
    """What a command does, in seconds after the container started."""

    duration: float | None          # exits after this long; None: runs until stopped
    exit_code: int = 0
    logs: tuple[tuple[float, str], ...] = ()
    # (offset, path, exists afterwards) in time order.
    files: tuple[tuple[float, str, bool], ...] = ()
    # An endless loop's output: (first iteration's start, period, ((offset, line), ...)).
    loop: tuple[float, float, tuple[tuple[float, str], ...]] | None = None
    cpu: float = 0.0                # cores a busy loop burns
    understood: bool = True


class _NotUnderstood(Exception):
    pass


class _Stop(Exception):
    """``exit`` or an endless loop: the script ends here."""


@dataclass
class _Machine:
    env: dict[str, str]
    exists: Callable[[str], bool]
    t: float = 0.0
    status: int = 0
    steps: int = 0
    forever: bool = False
    exit_code: int | None = None
    cpu: float = 0.0
    logs: list = field(default_factory=list)
    files: list = field(default_factory=list)
    loop: tuple | None = None
    state: dict[str, bool] = field(default_factory=dict)

    def log(self, line: str) -> None:
        if len(self.logs) < _MAX_LOGS:
            self.logs.append((self.t, line))

    def file(self, path: str, present: bool) -> None:
        self.state[path] = present
        self.files.append((self.t, path, present))

    def has(self, path: str) -> bool:
        if path in self.state:
            return self.state[path]
        return self.exists(path)


def interpret(argv: list[str], env: dict[str, str] | None = None,
              default_seconds: float = 5.0,
              exists: Callable[[str], bool] = lambda path: True) -> Script:
    """The :class:`Script` of ``argv`` (``command + args``).

    ``exists`` says whether a path the script has not touched exists (exec
    probes pass the container's file timeline).
    """
    m = _Machine(dict(env or {}), exists)
    try:
        _run(_parse_words(list(argv)), m)
    except _Stop:
        pass
    except (_NotUnderstood, ValueError, IndexError):
        return Script(default_seconds, 0, understood=False)
    if m.steps > _STEP_BUDGET and not m.forever:
        m.forever = True
    duration = None if m.forever else m.t
    code = m.exit_code if m.exit_code is not None else m.status
    return Script(duration, 0 if m.forever else code, tuple(m.logs), tuple(m.files),
                  m.loop, m.cpu)


# -- parsing -----------------------------------------------------------------

_REDIRECT = re.compile(r"(\d*)(>>?|<)\s*(&\d+|[^\s;&|()]+)")


def _drop_redirects(text: str) -> str:
    def repl(match: re.Match) -> str:
        op, target = match.group(2), match.group(3)
        if op == "<" or target.startswith("&") or target.startswith("/dev/"):
            return " "
        return f" ; touch {target} ; "
    return _REDIRECT.sub(repl, text)


def _tokens(text: str) -> list[str]:
    text = _drop_redirects(text.replace("\n", " ; "))
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lex.whitespace_split = True
    lex.commenters = "#"
    return list(lex)


def _parse_words(argv: list[str]):
    """argv of an exec'd command: a shell with ``-c`` or one simple command."""
    if not argv:
        return ("list", [])
    base = argv[0].rsplit("/", 1)[-1]
    if base in _SHELLS:
        if "-c" in argv[1:]:
            i = argv.index("-c", 1)
            if i + 1 >= len(argv):
                raise _NotUnderstood("sh -c without a script")
            return _parse_text(argv[i + 1])
        if len(argv) == 1 or all(a.startswith("-") for a in argv[1:]):
            return ("list", [])   # an interactive shell without a tty exits at once
        raise _NotUnderstood("shell script file")
    return ("simple", list(argv))


def _parse_text(text: str):
    toks = _tokens(text)
    node, i = _parse_list(toks, 0, set())
    if i != len(toks):
        raise _NotUnderstood(f"unexpected {toks[i]!r}")
    return node


def _expect(toks: list[str], i: int, word: str) -> int:
    if i >= len(toks) or toks[i] != word:
        raise _NotUnderstood(f"expected {word!r}")
    return i + 1


def _parse_list(toks, i, stops):
    items, conn = [], ";"
    while i < len(toks) and toks[i] not in stops:
        if toks[i] in (";", "&", ";;"):
            i += 1
            continue
        node, i = _parse_pipeline(toks, i, stops)
        items.append((conn, node))
        conn = ";"
        if i < len(toks) and toks[i] in ("&&", "||"):
            conn = toks[i]
            i += 1
    return ("list", items), i


def _parse_pipeline(toks, i, stops):
    cmds = []
    node, i = _parse_command(toks, i, stops)
    cmds.append(node)
    while i < len(toks) and toks[i] == "|":
        node, i = _parse_command(toks, i + 1, stops)
        cmds.append(node)
    return (cmds[0] if len(cmds) == 1 else ("pipe", cmds)), i


def _parse_command(toks, i, stops):
    word = toks[i]
    if word in ("while", "until"):
        cond, i = _parse_list(toks, i + 1, {"do"})
        body, i = _parse_list(toks, _expect(toks, i, "do"), {"done"})
        return ("while", word == "until", cond, body), _expect(toks, i, "done")
    if word == "for":
        var, i = toks[i + 1], _expect(toks, i + 2, "in")
        words = []
        while toks[i] not in (";", "do"):
            words.append(toks[i])
            i += 1
        if toks[i] == ";":
            i += 1
        body, i = _parse_list(toks, _expect(toks, i, "do"), {"done"})
        return ("for", var, words, body), _expect(toks, i, "done")
    if word == "if":
        cond, i = _parse_list(toks, i + 1, {"then"})
        then, i = _parse_list(toks, _expect(toks, i, "then"), {"elif", "else", "fi"})
        other = ("list", [])
        if toks[i] == "elif":
            toks = toks[:i] + ["if"] + toks[i + 1:]
            other, i = _parse_command(toks, i, stops)
            return ("if", cond, then, other), i
        if toks[i] == "else":
            other, i = _parse_list(toks, i + 1, {"fi"})
        return ("if", cond, then, other), _expect(toks, i, "fi")
    if word in ("(", "{"):
        close = ")" if word == "(" else "}"
        body, i = _parse_list(toks, i + 1, {close})
        return body, _expect(toks, i, close)
    words = []
    while i < len(toks) and toks[i] not in (";", "&&", "||", "|", "&", ";;") and not (
            toks[i] in _KEYWORDS_END and toks[i] in stops | {")", "}"}):
        words.append(toks[i])
        i += 1
    return ("simple", words), i


# -- running -----------------------------------------------------------------

def _run(node, m: _Machine) -> None:
    m.steps += 1
    if m.steps > _STEP_BUDGET:
        m.forever = True
        raise _Stop()
    kind = node[0]
    if kind == "list":
        for conn, child in node[1]:
            if (conn == "&&" and m.status != 0) or (conn == "||" and m.status == 0):
                continue
            _run(child, m)
    elif kind == "pipe":
        for child in node[1]:
            _run(child, m)
    elif kind == "while":
        _run_while(node, m)
    elif kind == "for":
        _, var, words, body = node
        for word in [w for raw in words for w in _expand(raw, m).split()]:
            m.env[var] = word
            _run(body, m)
    elif kind == "if":
        _, cond, then, other = node
        _run(cond, m)
        _run(then if m.status == 0 else other, m)
    else:
        _simple([_expand(w, m) for w in node[1]], m)


def _constant_true(cond) -> bool:
    items = cond[1] if cond[0] == "list" else []
    return len(items) == 1 and items[0][1][0] == "simple" and \
        items[0][1][1] in (["true"], [":"], ["[", "1", "]"])


def _run_while(node, m: _Machine) -> None:
    _, until, cond, body = node
    endless = not until and _constant_true(cond)
    while True:
        _run(cond, m)
        if (m.status == 0) == until:
            m.status = 0
            return
        start, before = m.t, len(m.logs)
        _run(body, m)
        if endless:
            period = m.t - start
            if period <= 0:
                m.cpu = 1.0     # a busy loop: one core, forever
            else:
                lines = tuple((t - start, line) for t, line in m.logs[before:])
                del m.logs[before:]
                m.loop = (start, period, lines)
            m.forever = True
            raise _Stop()


_VAR = re.compile(r"\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|\?"
                  r"|\(\([^)]*\)\)|\([^)]*\))")


def _expand(word: str, m: _Machine) -> str:
    def repl(match: re.Match) -> str:
        text = match.group(0)
        if text == "$?":
            return str(m.status)
        if text.startswith("$(("):
            try:
                return str(int(eval(re.sub(r"[^0-9+\-*/ ()%]", "", text[3:-2]) or "0",
                                    {"__builtins__": {}})))
            except Exception:  # noqa: BLE001 - not arithmetic we can do
                raise _NotUnderstood(text) from None
        if text.startswith("$("):
            raise _NotUnderstood(text)
        return m.env.get(match.group(2) or match.group(3), "")
    return _VAR.sub(repl, word)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def sleep_seconds(arg: str) -> float | None:
    """``sleep``'s argument in seconds; None for ``infinity``."""
    if arg in ("infinity", "inf"):
        return None
    unit = _UNITS.get(arg[-1:], None)
    value = float(arg[:-1] if unit else arg)
    return value * (unit or 1)


def _test(args: list[str], m: _Machine) -> bool:
    if args and args[-1] == "]":
        args = args[:-1]
    if args and args[0] == "!":
        return not _test(args[1:], m)
    if len(args) == 2 and args[0] in ("-e", "-f", "-d", "-s", "-r", "-x"):
        return m.has(args[1])
    if len(args) == 2 and args[0] in ("-z", "-n"):
        return (args[1] == "") == (args[0] == "-z")
    if len(args) == 3 and args[1] in ("=", "==", "!="):
        return (args[0] == args[2]) == (args[1] != "!=")
    if len(args) == 3 and args[1] in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge"):
        a, b = int(args[0]), int(args[2])
        return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b,
                "-gt": a > b, "-ge": a >= b}[args[1]]
    if len(args) == 1:
        return args[0] != ""
    raise _NotUnderstood("test " + " ".join(args))


def _simple(words: list[str], m: _Machine) -> None:
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        m.env[name] = value
    if not words:
        m.status = 0
        return
    name, args = words[0].rsplit("/", 1)[-1], words[1:]
    m.status = 0
    if name in ("exec", "nohup"):
        _simple(args, m)
    elif name in _SHELLS:
        _run(_parse_words([name] + args), m)
    elif name == "sleep":
        for arg in args:
            seconds = sleep_seconds(arg)
            if seconds is None:
                m.forever = True
                raise _Stop()
            m.t += seconds
    elif name == "exit":
        m.exit_code = int(args[0]) if args else m.status
        raise _Stop()
    elif name in ("true", ":"):
        pass
    elif name == "false":
        m.status = 1
    elif name == "echo":
        while args and args[0] in ("-n", "-e", "-ne", "-en"):
            args = args[1:]
        m.log(" ".join(args))
    elif name == "printf":
        fmt = args[0] if args else ""
        text = fmt.replace("%s", "{}").replace("%d", "{}")
        try:
            text = text.format(*args[1:]) if "{}" in text else text
        except IndexError:
            pass
        for line in text.replace("\\n", "\n").splitlines():
            m.log(line)
    elif name == "touch":
        for path in args:
            m.file(path, True)
    elif name in ("cp", "mv"):
        paths = [a for a in args if not a.startswith("-")]
        if len(paths) >= 2:
            if name == "mv":
                m.file(paths[0], False)
            m.file(paths[-1], True)
    elif name == "rm":
        for path in (a for a in args if not a.startswith("-")):
            m.file(path, False)
    elif name in ("cat", "ls", "stat", "head"):
        paths = [a for a in args if not a.startswith("-")]
        m.status = 0 if all(m.has(p) for p in paths) else 1
    elif name in ("test", "["):
        m.status = 0 if _test(args, m) else 1
    elif name == "date":
        m.log(DATE)
    elif name == "hostname":
        m.log(m.env.get("HOSTNAME", ""))
    elif name in ("env", "printenv"):
        if args:
            if args[0] in m.env:
                m.log(m.env[args[0]])
            else:
                m.status = 1
        else:
            for key, value in m.env.items():
                m.log(f"{key}={value}")
    elif name == "tail" and ("-f" in args or "-F" in args):
        m.forever = True
        raise _Stop()
    elif name == "yes":
        m.cpu = 1.0
        m.forever = True
        raise _Stop()
    elif name in _NOOPS:
        pass
    else:
        raise _NotUnderstood(name)
