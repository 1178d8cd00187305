"""Network commands of the exec player (exec.py): ``nslookup``, ``getent``, ``curl``,
``wget`` (pure: the pod's network is the Context's ``network``, see exec.Network).

Names resolve as in a pod: ``/etc/hosts`` first (not for ``nslookup``, which asks the
DNS server), then the cluster DNS through the search list and ``ndots`` of the
container's own ``/etc/resolv.conf`` (api/dns.py), following ExternalName CNAMEs that
stay inside the cluster (there is no upstream resolver). ``localhost`` and ``::1``
are passed on as ``127.0.0.1``, the pod itself; other 127.x addresses as they are
(the emulated nodes and load balancers have loopback addresses: the network knows).

Output shapes and exit codes are those of busybox (``nslookup``, ``wget``), glibc
(``getent``) and curl 8.5 (``curl``), including curl's progress meter on stderr when
not ``-s`` (kubectl exec's output is no terminal). ``https://`` URLs are played like
``http://`` ones (default port 443): the emulated network has no TLS. A connect that
nobody answers takes its timeout (``-m``/``--connect-timeout``, wget's ``-T``, else the
kernel's ~130 s) of cluster time (the shell's ``seconds``).
"""

from __future__ import annotations

import base64
import http
import ipaddress
import posixpath
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..api import dns

if TYPE_CHECKING:       # exec.py imports this module; the shell is only duck-typed here
    from .exec import _Shell

LOOPBACK = "127.0.0.1"
KERNEL_CONNECT_TIMEOUT = 130.0     # seconds until Linux gives up a SYN nobody answers
CURL_VERSION = "8.5.0"
_REDIRECTS = (301, 302, 303, 307, 308)
_PORTS = {"http": 80, "https": 443}


def _joined(lines) -> bytes:
    text = "\n".join(lines)
    return (text + "\n").encode() if text else b""


def _phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _status_line(code: int) -> str:
    return f"HTTP/1.1 {code} {_phrase(code)}".rstrip()


def _header(headers: dict, name: str) -> str | None:
    name = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == name), None)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# -- name resolution ----------------------------------------------------------------------

def _resolv(sh: _Shell) -> dns.ResolvConf:
    data = sh.files.read("/etc/resolv.conf")
    return dns.parse_resolv_conf(data.decode("utf-8", "replace")) if data else dns.ResolvConf()


def _hosts(sh: _Shell) -> list[tuple[str, list[str]]]:
    """``/etc/hosts``: (address, names) per line."""
    data = sh.files.read("/etc/hosts") or b""
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and _ip(words[0]) is not None:
            out.append((words[0], words[1:]))
    return out


def _hosts_matches(sh: _Shell, name: str) -> list[tuple[str, list[str]]]:
    name = name.lower().rstrip(".")
    return [(ip, names) for ip, names in _hosts(sh) if name in (n.lower() for n in names)]


def _dns_chain(sh: _Shell, name: str) -> list[dns.Answer] | None:
    """The answers for ``name`` through the search list, CNAMEs followed (the last one
    holds the addresses); [] when not found; None when the pod has no network."""
    net = sh.ctx.network
    if net is None:
        return None
    conf = _resolv(sh)
    chain: list[dns.Answer] = []
    answer = dns.resolve_with(net.lookup, name, conf.search, conf.ndots)
    while answer is not None and len(chain) < 8:
        chain.append(answer)
        if answer.addresses or not answer.cname:
            break
        answer = net.lookup(answer.cname)
    return chain


def _v4_first(addresses) -> list[str]:
    return sorted(dict.fromkeys(addresses), key=lambda a: getattr(_ip(a), "version", 9))


def _addresses(sh: _Shell, host: str) -> tuple[str, list[str]]:
    """(canonical name, addresses) of ``host`` as getaddrinfo finds them for a client:
    an address literal, ``/etc/hosts``, the DNS; no addresses: not resolved."""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if _ip(host) is not None:
        return host, [host]
    matches = _hosts_matches(sh, host)
    if matches:
        return matches[0][1][0], _v4_first(ip for ip, _ in matches)
    chain = _dns_chain(sh, host) or []
    if chain and chain[-1].addresses:
        return chain[-1].name, _v4_first(chain[-1].addresses)
    return host, []


def _dial(ip: str) -> str:
    """The IPv4 address to connect to: ``::1`` is the pod's 127.0.0.1; the network
    decides what other 127.x addresses are (the emulated node and load-balancer
    addresses live there; anything else is the pod itself)."""
    addr = _ip(ip)
    return LOOPBACK if addr is not None and addr.version == 6 and addr.is_loopback else ip


def _send(sh: _Shell, ip: str, port: int, method: str, target: str, headers: dict,
          body: bytes) -> tuple[int, dict, bytes]:
    """One request over the pod's network (raises ConnectionError, TimeoutError)."""
    net = sh.ctx.network
    if net is None:
        raise TimeoutError("the pod has no network")
    code, out_headers, out_body = net.request(_dial(ip), port, method, target, dict(headers),
                                              body)
    out_headers = dict(out_headers or {})
    out_body = bytes(out_body or b"")
    if _header(out_headers, "content-length") is None and \
            _header(out_headers, "transfer-encoding") is None:
        out_headers["Content-Length"] = str(len(out_body))
    return int(code), out_headers, b"" if method == "HEAD" else out_body


# -- URLs -----------------------------------------------------------------------------------

@dataclass
class _Url:
    scheme: str
    host: str           # as written (IPv6 literals with their brackets)
    port: int
    target: str         # path and query
    userinfo: str = ""

    @property
    def authority(self) -> str:
        return self.host if self.port == _PORTS.get(self.scheme) else f"{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def _parse_url(text: str) -> _Url | str:
    """A URL (http assumed without a scheme), or why it is not one."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "http", text
    scheme = scheme.lower()
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, target = rest[:cut], rest[cut:].split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target
    userinfo, _, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            return "Bad hostname"
        host, portpart = hostport[:end + 1], hostport[end + 1:]
    else:
        host, colon, port_text = hostport.partition(":")
        portpart = colon + port_text
    if not host:
        return "No host part in the URL"
    port = _PORTS.get(scheme, 0)
    if portpart:
        digits = portpart[1:]
        if not digits.isdigit() or int(digits) > 65535:
            return "Port number was not a decimal number between 0 and 65535"
        port = int(digits)
    return _Url(scheme, host.lower(), port, target, userinfo)


def _follow(url: _Url, location: str) -> _Url | str:
    return _parse_url(urllib.parse.urljoin(str(url), location))


# -- nslookup ------------------------------------------------------------------------------

def _nslookup(sh: _Shell, args: list[str], stdin: bytes):
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return b"", (b"Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\n"
                     b"Query DNS about HOST\n"), 1
    name = words[0]
    conf = _resolv(sh)
    server = words[1] if len(words) > 1 else \
        (conf.nameservers[0] if conf.nameservers else dns.NAMESERVER)
    if sh.ctx.network is None:
        return b";; connection timed out; no servers could be reached\n\n", b"", 1
    head = f"Server:\t\t{server}\nAddress:\t{server}:53\n\n"
    addr = _ip(name)
    if addr is not None:    # a PTR question: the played DNS has no PTR records
        return f"{head}** server can't find {addr.reverse_pointer}: NXDOMAIN\n\n".encode(), \
            b"", 1
    chain = _dns_chain(sh, name) or []
    if not any(a.addresses or a.cname for a in chain):
        return f"{head}** server can't find {name}: NXDOMAIN\n\n".encode(), b"", 1
    lines = []
    for answer in chain:
        if answer.cname and not answer.addresses:
            lines.append(f"{answer.name}\tcanonical name = {answer.cname}")
        for ip in answer.addresses:
            lines += [f"Name:\t{answer.name}", f"Address: {ip}"]
    return (head + "\n".join(lines) + "\n\n").encode(), b"", 0


# -- getent --------------------------------------------------------------------------------

def _getent_host(sh: _Shell, key: str, db: str) -> list[str] | None:
    """The lines ``getent <db> <key>`` prints for one key (None: not found)."""
    addr = _ip(key)
    if db == "hosts":
        if addr is not None:        # gethostbyaddr: /etc/hosts only (no PTR records)
            hit = next(((ip, names) for ip, names in _hosts(sh) if _ip(ip) == addr), None)
            return [f"{hit[0]:<15} {' '.join(hit[1])}"] if hit else None
        matches = _hosts_matches(sh, key)
        for version in (6, 4):      # gethostbyname2(AF_INET6) first, then AF_INET
            hit = next(((ip, names) for ip, names in matches
                        if getattr(_ip(ip), "version", 0) == version), None)
            if hit:
                return [f"{hit[0]:<15} {' '.join(hit[1])}"]
        chain = _dns_chain(sh, key) or []
        if not chain or not chain[-1].addresses:
            return None
        names = " ".join([chain[-1].name] + [a.name for a in chain[:-1]])
        six = [ip for ip in chain[-1].addresses if getattr(_ip(ip), "version", 0) == 6]
        return [f"{ip:<15} {names}" for ip in (six or chain[-1].addresses)]
    # ahosts / ahostsv4 / ahostsv6: getaddrinfo, three socket types per address
    if addr is not None:
        canonical, found = key, [key]
    else:
        matches = _hosts_matches(sh, key)
        if matches:
            canonical = matches[0][1][0]
            found = sorted(dict.fromkeys(ip for ip, _ in matches),
                           key=lambda a: -getattr(_ip(a), "version", 0))
        else:
            chain = _dns_chain(sh, key) or []
            if not chain or not chain[-1].addresses:
                return None
            canonical, found = chain[-1].name, list(chain[-1].addresses)
    want = {"ahostsv4": 4, "ahostsv6": 6}.get(db)
    if want is not None:
        found = [ip for ip in found if getattr(_ip(ip), "version", 0) == want]
    if not found:
        return None
    lines = []
    for ip in found:
        for sock in ("STREAM", "DGRAM", "RAW"):
            lines.append(f"{ip:<15} {sock:<6} {canonical if not lines else ''}")
    return lines


def _getent(sh: _Shell, args: list[str], stdin: bytes):
    if not args:
        return b"", (b"getent: wrong number of arguments\nTry `getent --help' or "
                     b"`getent --usage' for more information.\n"), 1
    db, keys = args[0], args[1:]
    if db in ("hosts", "ahosts", "ahostsv4", "ahostsv6"):
        if not keys:
            if db != "hosts":
                return b"", b"", 0
            return _joined(f"{ip:<15} {' '.join(names)}" for ip, names in _hosts(sh)), b"", 0
        lines, code = [], 0
        for key in keys:
            found = _getent_host(sh, key, db)
            if found is None:
                code = 2
            else:
                lines += found
        return _joined(lines), b"", code
    if db in ("passwd", "group"):
        path = "/etc/passwd" if db == "passwd" else "/etc/group"
        entries = (sh.files.read(path) or
                   (b"root:x:0:\n" if db == "group" else b"")).decode().splitlines()
        if not keys:
            return _joined(entries), b"", 0
        lines, code = [], 0
        for key in keys:
            hit = next((e for e in entries if e.split(":")[0] == key or
                        e.split(":")[2:3] == [key]), None)
            if hit is None:
                code = 2
            else:
                lines.append(hit)
        return _joined(lines), b"", code
    return b"", (f"Unknown database: {db}\nTry `getent --help' or `getent --usage' for "
                 f"more information.\n").encode(), 1


# -- curl --------------------------------------------------------------------------------

_CURL_OPTS: dict[str, bool] = {     # long option: takes an argument
    "silent": False, "show-error": False, "include": False, "head": False, "fail": False,
    "fail-with-body": False, "location": False, "verbose": False, "insecure": False,
    "request": True, "header": True, "data": True, "data-ascii": True, "data-raw": True,
    "data-binary": True, "data-urlencode": True, "json": True, "output": True,
    "write-out": True, "max-time": True, "connect-timeout": True, "user-agent": True,
    "user": True, "referer": True, "cookie": True, "upload-file": True, "remote-name": False,
    "get": False, "url": True, "range": True, "max-redirs": True, "no-progress-meter": False,
    # accepted, without effect here
    "progress-bar": False, "proxy": True, "noproxy": True, "retry": True, "retry-delay": True,
    "retry-max-time": True, "retry-connrefused": False, "cacert": True, "cert": True,
    "key": True, "compressed": False, "http1.0": False, "http1.1": False, "http2": False,
    "ipv4": False, "ipv6": False, "globoff": False, "no-buffer": False, "no-keepalive": False,
    "tlsv1.2": False, "tlsv1.3": False, "create-dirs": False, "disable": False, "netrc": False,
    "tcp-nodelay": False, "path-as-is": False,
}
_CURL_SHORT = {
    "s": "silent", "S": "show-error", "i": "include", "I": "head", "f": "fail",
    "L": "location", "v": "verbose", "k": "insecure", "X": "request", "H": "header",
    "d": "data", "o": "output", "w": "write-out", "m": "max-time", "A": "user-agent",
    "u": "user", "e": "referer", "b": "cookie", "T": "upload-file", "O": "remote-name",
    "G": "get", "r": "range", "x": "proxy", "4": "ipv4", "6": "ipv6", "g": "globoff",
    "N": "no-buffer", "0": "http1.0", "q": "disable", "n": "netrc", "#": "progress-bar",
}
_TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n"
_METER_HEAD = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
               "                                 Dload  Upload   Total   Spent    Left  Speed\n")


def _size(n: int) -> str:
    if n < 100000:
        return str(n)
    if n < 10 * 1024 * 1024:
        return f"{n // 1024}k"
    return f"{n // (1024 * 1024)}M"


def _meter(received: int | None) -> str:
    """curl's progress meter for a transfer of ``received`` bytes (None: none started)."""
    n = received or 0
    pct = 100 if received is not None else 0
    return (f"{_METER_HEAD}{pct:>3} {_size(n):>5}  {pct:>3} {_size(n):>5}    0     0 "
            f"{_size(n):>6}      0 --:--:-- --:--:-- --:--:-- {_size(n):>5}\n")


@dataclass
class _CurlConf:
    flags: set = field(default_factory=set)
    method: str | None = None
    headers: list[str] = field(default_factory=list)
    data: list[bytes] | None = None
    json: bool = False
    outputs: list[str | None] = field(default_factory=list)   # None: -O (the remote name)
    write_out: str | None = None
    max_time: float | None = None
    connect_timeout: float | None = None
    user_agent: str | None = f"curl/{CURL_VERSION}"
    user: str | None = None
    referer: str | None = None
    cookie: str | None = None
    upload: str | None = None
    range: str | None = None
    max_redirs: int = 50
    urls: list[str] = field(default_factory=list)

    @property
    def silent(self) -> bool:
        return "silent" in self.flags

    @property
    def show_errors(self) -> bool:
        return not self.silent or "show-error" in self.flags


def _curl_data(sh: _Shell, kind: str, value: str, stdin: bytes) -> bytes:
    def content(ref: str, strip: bool) -> bytes:
        raw = stdin if ref == "-" else (sh.files.read(sh.path(ref)) or b"")
        return raw.replace(b"\r", b"").replace(b"\n", b"") if strip else raw
    if kind == "data-raw":
        return value.encode()
    if kind in ("data", "data-ascii", "json"):
        return content(value[1:], kind != "json") if value.startswith("@") else value.encode()
    if kind == "data-binary":
        return content(value[1:], False) if value.startswith("@") else value.encode()
    # --data-urlencode: content | =content | name=content | @file | name@file
    name, eq, rest = value.partition("=")
    if eq:
        return ((name + "=") if name else "").encode() + \
            urllib.parse.quote(rest, safe="").encode()
    name, at, ref = value.partition("@")
    if at:
        encoded = urllib.parse.quote(content(ref, False).decode("utf-8", "replace"), safe="")
        return ((name + "=") if name else "").encode() + encoded.encode()
    return urllib.parse.quote(value, safe="").encode()


class _OptError(Exception):
    """A command line the program refuses: the message it prints."""


def _getopt(args: list[str], takes_value: dict[str, bool], short: dict[str, str],
            errors: dict[str, str], long_equals: bool = False,
            ignored: str = "") -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """getopt for curl and wget: ``([(long name, value or None, as written)], the other
    arguments)``.  ``--name [value]`` (``--name=value`` too with ``long_equals``) and
    clustered short flags (``-sSL``, ``-o file``, ``-ofile``) whose letters ``short``
    maps to long names; ``takes_value[name]`` says whether one follows.  A letter in
    ``ignored`` ends its cluster.  Refusals raise :class:`_OptError` with the
    program's wording (``errors``: format strings by kind, with ``{arg}``, ``{name}``,
    ``{letter}``)."""
    pairs: list[tuple[str, str | None, str]] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=") if long_equals else (arg[2:], "", "")
            if name not in takes_value:
                raise _OptError(errors["unknown_long"].format(arg=arg, name=name))
            if not takes_value[name]:
                pairs.append((name, None, arg))
                continue
            if not eq:
                if i >= len(args):
                    raise _OptError(errors["missing_long"].format(arg=arg, name=name))
                value, i = args[i], i + 1
            pairs.append((name, value, arg))
        elif arg.startswith("-") and len(arg) > 1:
            for j, letter in enumerate(arg[1:], 1):
                if letter in ignored:
                    break
                name = short.get(letter)
                if name is None:
                    raise _OptError(errors["unknown_short"].format(arg=arg, letter=letter))
                if not takes_value[name]:
                    pairs.append((name, None, f"-{letter}"))
                    continue
                value = arg[j + 1:]
                if not value:
                    if i >= len(args):
                        raise _OptError(errors["missing_short"].format(arg=arg,
                                                                       letter=letter))
                    value, i = args[i], i + 1
                pairs.append((name, value, f"-{letter}"))
                break
        else:
            rest.append(arg)
    return pairs, rest


_CURL_OPT_ERRORS = {
    "unknown_long": "curl: option {arg}: is unknown\n" + _TRY,
    "unknown_short": "curl: option {arg}: is unknown\n" + _TRY,
    "missing_long": "curl: option {arg}: requires parameter\n" + _TRY,
    "missing_short": "curl: option -{letter}: requires parameter\n" + _TRY,
}


def _curl_parse(sh: _Shell, args: list[str], stdin: bytes) -> _CurlConf | str:
    """The options and URLs of a curl command line, or an error message (exit 2)."""
    conf = _CurlConf()
    try:
        pairs, conf.urls = _getopt(args, _CURL_OPTS, _CURL_SHORT, _CURL_OPT_ERRORS)
    except _OptError as exc:
        return str(exc)
    for name, value, written in pairs:
        if value is None:
            if name == "remote-name":
                conf.outputs.append(None)
            else:
                conf.flags.add(name)
            continue
        if name in ("max-time", "connect-timeout", "max-redirs"):
            try:
                number = float(value)
            except ValueError:
                return f"curl: option {written}: expected a proper numerical parameter\n{_TRY}"
            if name == "max-redirs":
                conf.max_redirs = int(number) if number >= 0 else 1 << 30
            elif name == "max-time":
                conf.max_time = number
            else:
                conf.connect_timeout = number
        elif name == "request":
            conf.method = value
        elif name == "header":
            conf.headers.append(value)
        elif name.startswith("data") or name == "json":
            conf.data = (conf.data or []) + [_curl_data(sh, name, value, stdin)]
            conf.json = conf.json or name == "json"
        elif name == "output":
            conf.outputs.append(value)
        elif name == "write-out":
            if value.startswith("@"):
                ref = value[1:]
                value = (stdin if ref == "-" else sh.files.read(sh.path(ref)) or b"") \
                    .decode("utf-8", "replace")
            conf.write_out = value
        elif name == "user-agent":
            conf.user_agent = value or None
        elif name == "url":
            conf.urls.append(value)
        elif name in ("user", "referer", "cookie", "range"):
            setattr(conf, name, value)
        elif name == "upload-file":
            conf.upload = value
    return conf


def _curl_headers(conf: _CurlConf, url: _Url, body: bytes | None) -> dict[str, str]:
    headers: dict[str, str] = {"Host": url.authority}
    userinfo = conf.user or urllib.parse.unquote(url.userinfo)
    if userinfo:
        headers["Authorization"] = "Basic " + base64.b64encode(userinfo.encode()).decode()
    if conf.range:
        headers["Range"] = f"bytes={conf.range}"
    if conf.user_agent:
        headers["User-Agent"] = conf.user_agent
    headers["Accept"] = "application/json" if conf.json else "*/*"
    if conf.referer:
        headers["Referer"] = conf.referer
    if conf.cookie:
        headers["Cookie"] = conf.cookie
    if body is not None:
        headers["Content-Length"] = str(len(body))
        if conf.data is not None:
            headers["Content-Type"] = "application/json" if conf.json else \
                "application/x-www-form-urlencoded"
    for line in conf.headers:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon:       # "Name;" sends an empty header
            if name.endswith(";"):
                _set_header(headers, name[:-1].strip(), "")
            continue
        if value.strip():
            _set_header(headers, name, value.strip())
        else:               # "Name:" removes a header curl would send
            for k in [k for k in headers if k.lower() == name.lower()]:
                del headers[k]
    return headers


def _set_header(headers: dict, name: str, value: str) -> None:
    existing = next((k for k in headers if k.lower() == name.lower()), None)
    if existing is not None:
        headers[existing] = value
    else:
        headers[name] = value


def _head_block(code: int, headers: dict) -> bytes:
    text = _status_line(code) + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (text + "\r\n").encode()


_WRITE_OUT_ALIASES = {"response_code": "http_code"}


def _write_out(fmt: str, info: dict) -> tuple[bytes, bytes]:
    """curl's ``-w`` format: (what goes to stdout, what goes to stderr)."""
    streams = {"stdout": b"", "stderr": b""}
    current = "stdout"
    i = 0
    out = ""

    def flush():
        nonlocal out
        streams[current] += out.encode()
        out = ""
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            out += {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(fmt[i + 1], "\\" + fmt[i + 1])
            i += 2
        elif fmt.startswith("%%", i):
            out += "%"
            i += 2
        elif fmt.startswith("%{", i) and "}" in fmt[i:]:
            end = fmt.index("}", i)
            var = fmt[i + 2:end]
            var = _WRITE_OUT_ALIASES.get(var, var)
            if var in ("stdout", "stderr"):
                flush()
                current = var
            elif var in info:
                out += str(info[var])
            else:
                streams["stderr"] += f"curl: unknown --write-out variable: '{var}'\n".encode()
            i = end + 1
        elif fmt.startswith("%header{", i) and "}" in fmt[i:]:
            end = fmt.index("}", i)
            out += _header(info.get("_headers") or {}, fmt[i + 8:end]) or ""
            i = end + 1
        else:
            out += ch
            i += 1
    flush()
    return streams["stdout"], streams["stderr"]


class _CurlError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _curl(sh: _Shell, args: list[str], stdin: bytes):
    conf = _curl_parse(sh, args, stdin)
    if isinstance(conf, str):
        return b"", conf.encode(), 2
    if not conf.urls:
        return b"", f"curl: no URL specified!\n{_TRY}".encode(), 2
    stdout, stderr, status = b"", b"", 0
    for index, url_text in enumerate(conf.urls):
        output = conf.outputs[index] if index < len(conf.outputs) else "-"
        out, err, code = _curl_one(sh, conf, url_text, output, stdin)
        stdout, stderr = stdout + out, stderr + err
        status = code or status
    return stdout, stderr, status


def _curl_one(sh: _Shell, conf: _CurlConf, url_text: str, output: str | None,
              stdin: bytes) -> tuple[bytes, bytes, int]:
    flags = conf.flags
    verbose = "verbose" in flags
    meter = not conf.silent and not verbose and "no-progress-meter" not in flags
    body: bytes | None = None
    if conf.data is not None:
        body = b"&".join(conf.data)
    if conf.upload is not None:
        body = stdin if conf.upload == "-" else sh.files.read(sh.path(conf.upload))
        if body is None:
            return b"", (f"curl: Can't open '{conf.upload}'!\ncurl: try 'curl --help' or "
                         f"'curl --manual' for more information\n"
                         f"curl: (26) Failed to open/read local data from file/"
                         f"application\n").encode(), 26
    if "get" in flags and body is not None and conf.data is not None:
        sep = "&" if "?" in url_text else "?"
        url_text, body = url_text + sep + body.decode("utf-8", "replace"), None
    if conf.method:
        method = conf.method
    elif "head" in flags:
        method = "HEAD"
    elif conf.upload is not None:
        method = "PUT"
    elif body is not None:
        method = "POST"
    else:
        method = "GET"
    info = {"http_code": "000", "size_download": 0, "size_header": 0, "size_upload":
            len(body or b""), "content_type": "", "url_effective": url_text, "url": url_text,
            "remote_ip": "", "remote_port": "", "local_ip": sh.ctx.pod_ip, "local_port": "",
            "method": method, "num_redirects": 0, "redirect_url": "", "exitcode": 0,
            "errormsg": "", "scheme": "", "http_version": "0", "time_total": "0.000000",
            "time_connect": "0.000000", "time_namelookup": "0.000000",
            "time_starttransfer": "0.000000", "time_appconnect": "0.000000",
            "time_pretransfer": "0.000000", "time_redirect": "0.000000", "speed_download": 0,
            "num_connects": 0, "num_headers": 0, "_headers": {}}
    shown = b""         # what -i/-I/the body put on the output
    err = b""
    received: int | None = None
    code = 0
    try:
        url = _parse_url(url_text)
        redirects = 0
        while True:
            if isinstance(url, str):
                raise _CurlError(3, f"URL rejected: {url}")
            if url.scheme not in _PORTS:
                raise _CurlError(1, f'Protocol "{url.scheme}" not supported')
            info.update(url_effective=str(url), scheme=url.scheme.upper(), _host=url.host)
            _, ips = _addresses(sh, url.host)
            if not ips:
                raise _CurlError(6, f"Could not resolve host: {url.host}")
            headers = _curl_headers(conf, url, body)
            status, rheaders, rbody, ip = _curl_connect(sh, conf, url, ips, method, headers,
                                                        body or b"")
            if verbose:
                err += (f"*   Trying {ip}:{url.port}...\n* Connected to {url.host} ({ip}) "
                        f"port {url.port}\n> {method} {url.target} HTTP/1.1\n").encode()
                err += "".join(f"> {k}: {v}\n" for k, v in headers.items()).encode()
                err += (f">\n< {_status_line(status)}\n" +
                        "".join(f"< {k}: {v}\n" for k, v in rheaders.items()) + "<\n").encode()
            block = _head_block(status, rheaders)
            info.update(http_code=f"{status:03d}", remote_ip=ip, remote_port=url.port,
                        content_type=_header(rheaders, "content-type") or "",
                        size_header=len(block), http_version="1.1", num_connects=1,
                        num_headers=len(rheaders), _headers=rheaders)
            location = _header(rheaders, "location")
            if status in _REDIRECTS and location:
                info["redirect_url"] = str(_follow(url, location))
            if "location" in flags and status in _REDIRECTS and location:
                if redirects >= conf.max_redirs:
                    raise _CurlError(47, f"Maximum ({conf.max_redirs}) redirects followed")
                if "include" in flags or "head" in flags:
                    shown += block
                redirects += 1
                info["num_redirects"] = redirects
                if status == 303 and method != "HEAD" or \
                        (status in (301, 302) and method == "POST" and not conf.method):
                    method, body = "GET", None
                url = _follow(url, location)
                continue
            break
        if status >= 400 and ({"fail", "fail-with-body"} & flags):
            if "fail-with-body" in flags:
                shown += rbody
                received = len(rbody)
            raise _CurlError(22, f"The requested URL returned error: {status}")
        if "include" in flags or "head" in flags:
            shown += block
        if "head" not in flags or method != "HEAD":
            shown += rbody
        received = len(rbody)
        info.update(size_download=len(rbody), speed_download=len(rbody))
    except _CurlError as exc:
        code = exc.code
        info.update(exitcode=exc.code, errormsg=exc.message)
        if conf.show_errors:
            err_line = f"curl: ({exc.code}) {exc.message}\n".encode()
        else:
            err_line = b""
    else:
        err_line = b""
    stdout = b""
    if shown or (received is not None and code == 0):
        if output is None:      # -O: the URL's file name
            target = posixpath.basename(urllib.parse.urlsplit(url_text).path)
            if not target:
                return stdout, err + b"curl: Remote file name has no length!\n" + \
                    _TRY.encode(), 23
            sh.files.write(sh.path(target), shown)
        elif output == "-":
            stdout += shown
        else:
            sh.files.write(sh.path(output), shown)
    if meter:
        err = _meter(received).encode() + err
    if verbose and code == 0:
        err += f"* Connection #0 to host {info['_host']} left intact\n".encode()
    if conf.write_out is not None:
        w_out, w_err = _write_out(conf.write_out, info)
        stdout += w_out
        err += w_err
    return stdout, err + err_line, code


def _curl_connect(sh: _Shell, conf: _CurlConf, url: _Url, ips: list[str], method: str,
                  headers: dict, body: bytes) -> tuple[int, dict, bytes, str]:
    """Try each address in turn: (status, headers, body, the address that answered).
    A connect nobody answers takes the connect timeout (once: curl shares it)."""
    limits = [t for t in (conf.connect_timeout, conf.max_time) if t and t > 0]
    waited = min(limits) if limits else KERNEL_CONNECT_TIMEOUT
    failure = _CurlError(7, "no address")
    timed_out = False
    for ip in ips:
        try:
            status, rheaders, rbody = _send(sh, ip, url.port, method, url.target, headers, body)
            return status, rheaders, rbody, ip
        except TimeoutError:
            timed_out = True
            reason = "Timeout was reached" if limits else "Couldn't connect to server"
            failure = _CurlError(28, f"Failed to connect to {url.host} port {url.port} after "
                                     f"{int(waited * 1000)} ms: {reason}")
        except ConnectionResetError:
            failure = _CurlError(56, "Recv failure: Connection reset by peer")
        except OSError:     # refused (ConnectionRefusedError), unreachable...
            failure = _CurlError(7, f"Failed to connect to {url.host} port {url.port} after "
                                    f"0 ms: Couldn't connect to server")
    if timed_out:
        sh.seconds += waited
    raise failure


# -- wget (busybox) ----------------------------------------------------------------------

_WGET_OPTS: dict[str, bool] = {     # long option: takes an argument
    "quiet": False, "output-document": True, "output-file": True, "server-response": False,
    "timeout": True, "user-agent": True, "directory-prefix": True, "continue": False,
    "tries": True, "proxy": True, "header": True, "post-data": True, "post-file": True,
    "spider": False, "no-check-certificate": False, "no-verbose": False, "no-cache": False,
    "passive-ftp": False, "no-clobber": False, "no-parent": False,
    "no-host-directories": False,
}
_WGET_SHORT = {"q": "quiet", "O": "output-document", "o": "output-file",
               "S": "server-response", "T": "timeout", "U": "user-agent",
               "P": "directory-prefix", "c": "continue", "t": "tries", "Y": "proxy"}
_WGET_USAGE = ("Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
               "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
               "\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n")


_WGET_OPT_ERRORS = {
    "unknown_long": "wget: unrecognized option '{arg}'\n",
    "unknown_short": "wget: invalid option -- '{letter}'\n",
    "missing_long": "wget: option '--{name}' requires an argument\n",
    "missing_short": "wget: option requires an argument -- '{letter}'\n",
}


def _wget_parse(args: list[str]) -> tuple[dict, list[tuple[str, str]], list[str]] | str:
    opts: dict = {}
    headers: list[tuple[str, str]] = []
    try:
        pairs, urls = _getopt(args, _WGET_OPTS, _WGET_SHORT, _WGET_OPT_ERRORS,
                              long_equals=True, ignored="n")
    except _OptError as exc:
        return str(exc)
    for name, value, _ in pairs:
        if name == "header" and value is not None:
            key, _, val = value.partition(":")
            headers.append((key.strip(), val.strip()))
        else:
            opts[name] = True if value is None else value
    return opts, headers, urls


def _wget(sh: _Shell, args: list[str], stdin: bytes):
    parsed = _wget_parse(args)
    if isinstance(parsed, str):
        return b"", (parsed + _WGET_USAGE).encode(), 1
    opts, extra_headers, urls = parsed
    if not urls:
        return b"", _WGET_USAGE.encode(), 1
    quiet = "quiet" in opts
    log_file = opts.get("output-file")
    timeout: float | None = None
    if "timeout" in opts:
        try:
            timeout = float(opts["timeout"])
        except ValueError:
            return b"", f"wget: invalid number '{opts['timeout']}'\n".encode(), 1
    body: bytes | None = None
    if "post-data" in opts:
        body = str(opts["post-data"]).encode()
    elif "post-file" in opts:
        body = sh.files.read(sh.path(str(opts["post-file"])))
        if body is None:
            return b"", f"wget: can't open '{opts['post-file']}': No such file or " \
                        f"directory\n".encode(), 1
    stdout, log = b"", []
    errors: list[str] = []
    document = opts.get("output-document")
    written_document = False

    def finish(code: int):
        text = "".join(line + "\n" for line in log + errors)
        if log_file:
            sh.files.write(sh.path(str(log_file)), "".join(line + "\n" for line in log).encode())
            text = "".join(line + "\n" for line in errors)
        return stdout, text.encode(), code

    for url_text in urls:
        url = _parse_url(url_text)
        if isinstance(url, str) or url.scheme not in _PORTS:
            errors.append(f"wget: not an http or ftp url: {url_text}")
            return finish(1)
        method = "POST" if body is not None else "GET"
        for _hop in range(21):
            _, ips = _addresses(sh, url.host)
            if not ips:
                errors.append(f"wget: bad address '{url.host}'")
                return finish(1)
            ip = ips[0]
            if not quiet:
                log.append(f"Connecting to {url.authority} ({ip}:{url.port})")
            headers = {"Host": url.authority,
                       "User-Agent": str(opts.get("user-agent", "Wget"))}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Content-Length"] = str(len(body))
            for key, val in extra_headers:
                _set_header(headers, key, val)
            headers.setdefault("Connection", "close")
            try:
                status, rheaders, rbody = _send(sh, ip, url.port, method, url.target,
                                                headers, body or b"")
            except TimeoutError:
                sh.seconds += timeout if timeout else KERNEL_CONNECT_TIMEOUT
                errors.append("wget: download timed out" if timeout else
                              f"wget: can't connect to remote host ({ip}): Connection timed out")
                return finish(1)
            except ConnectionResetError:
                errors.append("wget: error getting response: Connection reset by peer")
                return finish(1)
            except OSError:
                errors.append(f"wget: can't connect to remote host ({ip}): Connection refused")
                return finish(1)
            if "server-response" in opts:
                log.append("  " + _status_line(status))
                log.extend(f"  {k}: {v}" for k, v in rheaders.items())
            location = _header(rheaders, "location")
            if status in _REDIRECTS and location:
                url = _follow(url, location)
                if isinstance(url, str):
                    errors.append(f"wget: not an http or ftp url: {location}")
                    return finish(1)
                if status == 303 or (status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                continue
            break
        else:
            errors.append("wget: too many redirections")
            return finish(1)
        if not 200 <= status < 300:
            errors.append(f"wget: server returned error: {_status_line(status)}")
            return finish(1)
        if "spider" in opts:
            if not quiet:
                log.append("remote file exists")
            continue
        if document == "-":
            stdout += rbody
            if not quiet:
                log += ["writing to stdout", _wget_bar("-", len(rbody)), "written to stdout"]
            continue
        if document:
            path = sh.path(str(document))
            shown = str(document)
            sh.files.write(path, rbody, append=written_document)
            written_document = True
        else:
            shown = posixpath.basename(urllib.parse.unquote(url.target.split("?", 1)[0])) \
                or "index.html"
            if "directory-prefix" in opts:
                shown = posixpath.join(str(opts["directory-prefix"]), shown)
            path = sh.path(shown)
            if sh.files.read(path) is not None and "continue" not in opts:
                errors.append(f"wget: can't open '{shown}': File exists")
                return finish(1)
            sh.files.write(path, rbody)
        if not quiet:
            log += [f"saving to '{shown}'", _wget_bar(posixpath.basename(shown), len(rbody)),
                    f"'{shown}' saved"]
    return finish(0)


def _wget_bar(name: str, size: int) -> str:
    return f"{name:<20.20} 100% |{'*' * 31}| {_size(size):>5}  0:00:00 ETA"


COMMANDS: dict[str, Callable] = {
    "nslookup": _nslookup, "getent": _getent, "curl": _curl, "wget": _wget,
}
