"""The exec player's network commands (node/netcmds.py): nslookup, getent, curl, wget,
over a fake pod network (a ClusterDNS over dicts and a table of listeners)."""

from __future__ import annotations

import pytest

from rayk8s.api.dns import ClusterDNS
from rayk8s.node import exec as ex

POD_IP = "10.244.0.5"


def svc(name, ip, namespace="default", **spec):
    return {"metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": ip, "ports": [{"port": 80}], **spec}}


def slice_(name, service, endpoints, namespace="default"):
    return {"metadata": {"name": name, "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "endpoints": endpoints}


class FakeNet:
    """Cluster DNS over dicts; ``routes``: (ip, port) -> (status, headers, body) or a
    callable(method, path, headers, body); hosts in ``hosts`` refuse other ports;
    other addresses time out."""

    def __init__(self):
        self.services = {
            "default/kubernetes": svc("kubernetes", "10.96.0.1"),
            "default/web": svc("web", "10.96.0.20"),
            "shop/cart": svc("cart", "10.96.3.3", "shop"),
            "default/db": svc("db", "None"),
            "default/down": svc("down", "10.96.0.30"),
            "default/ext": {"metadata": {"name": "ext", "namespace": "default"},
                            "spec": {"type": "ExternalName",
                                     "externalName": "web.default.svc.cluster.local"}},
            "default/far": {"metadata": {"name": "far", "namespace": "default"},
                            "spec": {"type": "ExternalName", "externalName": "www.example.com"}},
        }
        self.slices = {
            "default/db-1": slice_("db-1", "db", [
                {"addresses": ["10.244.1.4"], "hostname": "db-0", "conditions": {"ready": True}},
                {"addresses": ["10.244.1.5"], "hostname": "db-1"},
                {"addresses": ["10.244.1.6"], "hostname": "db-2", "conditions": {"ready": False}},
            ]),
        }
        self.dns = ClusterDNS(self.services, self.slices)
        self.hosts = {"10.96.0.20", "10.96.3.3", "10.244.1.4", "10.244.1.5", "127.0.0.1",
                      POD_IP, "10.96.0.30"}
        self.routes = {
            ("10.96.0.20", 80): self.web,
            ("10.96.3.3", 80): (200, {"Content-Type": "text/plain"}, b"cart\n"),
            ("10.244.1.4", 5432): (200, {}, b"db-0\n"),
            ("127.0.0.1", 8080): (200, {"Content-Type": "text/plain"}, b"sidecar\n"),
        }
        self.requests = []

    def web(self, method, path, headers, body):
        if path == "/missing":
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        if path == "/old":
            return 301, {"Location": "/new"}, b""
        if path == "/echo":
            return 200, {"Content-Type": "text/plain"}, \
                f"{method} {headers.get('Content-Type', '-')} ".encode() + body
        return 200, {"Content-Type": "text/html", "Server": "nginx"}, \
            b"<h1>Welcome to nginx!</h1>\n"

    def lookup(self, fqdn):
        return self.dns.lookup(fqdn)

    def request(self, ip, port, method, path, headers, body):
        self.requests.append((ip, port, method, path, dict(headers), body))
        if ip not in self.hosts:
            raise TimeoutError(f"no host answers at {ip}")
        route = self.routes.get((ip, port))
        if route is None:
            raise ConnectionRefusedError(f"connection refused: {ip}:{port}")
        return route(method, path, headers, body) if callable(route) else route


@pytest.fixture
def net():
    return FakeNet()


def context(network, overlay=None) -> ex.Context:
    env = ex.container_env({}, {"metadata": {"name": "client", "namespace": "default"}},
                           "client")
    return ex.Context(env, ex.Files(ex.base_files("client", POD_IP, "default"), overlay),
                      1_700_000_000.0, "client", POD_IP, "sleep infinity", network)


def run(net, *argv, ctx=None):
    result = ex.play(list(argv), ctx or context(net))
    return result.stdout.decode(), result.stderr.decode(), result.exit_code


def sh(net, script, ctx=None):
    return run(net, "sh", "-c", script, ctx=ctx)


HEAD = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"


# -- nslookup ------------------------------------------------------------------------------

def test_nslookup_service(net):
    assert run(net, "nslookup", "web") == (
        HEAD + "Name:\tweb.default.svc.cluster.local\nAddress: 10.96.0.20\n\n", "", 0)
    out, _, code = run(net, "nslookup", "cart.shop")
    assert "Name:\tcart.shop.svc.cluster.local\nAddress: 10.96.3.3\n" in out and code == 0
    out, _, code = run(net, "nslookup", "kubernetes.default.svc.cluster.local")
    assert "Address: 10.96.0.1\n" in out and code == 0


def test_nslookup_headless_and_statefulset_pod(net):
    out, _, code = run(net, "nslookup", "db")
    assert code == 0
    assert out == HEAD + ("Name:\tdb.default.svc.cluster.local\nAddress: 10.244.1.4\n"
                          "Name:\tdb.default.svc.cluster.local\nAddress: 10.244.1.5\n\n")
    out, _, code = run(net, "nslookup", "db-0.db")
    assert "Name:\tdb-0.db.default.svc.cluster.local\nAddress: 10.244.1.4\n" in out
    assert code == 0
    out, _, code = run(net, "nslookup", "db-2.db")      # not ready
    assert "** server can't find db-2.db: NXDOMAIN" in out and code == 1


def test_nslookup_nxdomain_cname_and_no_network(net):
    assert run(net, "nslookup", "nope") == (HEAD + "** server can't find nope: NXDOMAIN\n\n",
                                            "", 1)
    out, _, code = run(net, "nslookup", "ext")
    assert out == HEAD + ("ext.default.svc.cluster.local\tcanonical name = "
                          "web.default.svc.cluster.local\n"
                          "Name:\tweb.default.svc.cluster.local\nAddress: 10.96.0.20\n\n")
    assert code == 0
    out, _, code = run(net, "nslookup", "far")
    assert "canonical name = www.example.com" in out and code == 0
    out, _, code = run(net, "nslookup", "10.96.0.1")
    assert "can't find 1.0.96.10.in-addr.arpa: NXDOMAIN" in out and code == 1
    out, _, code = run(None, "nslookup", "web")
    assert "no servers could be reached" in out and code == 1
    _, err, code = run(net, "nslookup")
    assert "Usage: nslookup" in err and code == 1


def test_nslookup_follows_the_containers_resolv_conf(net):
    ctx = context(net, {"/etc/resolv.conf": b"search shop.svc.cluster.local\noptions ndots:1\n"
                                            b"nameserver 10.96.0.99\n"})
    out, _, code = run(net, "nslookup", "cart", ctx=ctx)
    assert out.startswith("Server:\t\t10.96.0.99\n") and "10.96.3.3" in out and code == 0
    # this search list has no default.svc: web is not found, web.default (ndots:1: as is
    # first, then searched) is found through the search list
    assert run(net, "nslookup", "web", ctx=ctx)[2] == 1
    assert run(net, "nslookup", "web.default.svc", ctx=ctx)[2] == 1
    ctx.files.write("/etc/resolv.conf", b"search svc.cluster.local\noptions ndots:1\n")
    out, _, code = run(net, "nslookup", "web.default", ctx=ctx)
    assert "Name:\tweb.default.svc.cluster.local\n" in out and code == 0


# -- getent ------------------------------------------------------------------------------

def test_getent_hosts(net):
    assert run(net, "getent", "hosts", "web") == \
        ("10.96.0.20      web.default.svc.cluster.local\n", "", 0)
    assert run(net, "getent", "hosts", "client") == (f"{POD_IP}      client\n", "", 0)
    out, _, code = run(net, "getent", "hosts", "localhost")
    assert out.split()[:2] == ["::1", "localhost"] and code == 0
    assert run(net, "getent", "hosts", "db") == (
        "10.244.1.4      db.default.svc.cluster.local\n"
        "10.244.1.5      db.default.svc.cluster.local\n", "", 0)
    assert run(net, "getent", "hosts", "nope") == ("", "", 2)
    assert run(net, "getent", "hosts", POD_IP) == (f"{POD_IP}      client\n", "", 0)
    out, _, code = run(net, "getent", "hosts")
    assert "127.0.0.1       localhost\n" in out and code == 0


def test_getent_ahosts_and_other_databases(net):
    out, _, code = run(net, "getent", "ahosts", "web")
    assert out == ("10.96.0.20      STREAM web.default.svc.cluster.local\n"
                   "10.96.0.20      DGRAM  \n10.96.0.20      RAW    \n") and code == 0
    out, _, code = run(net, "getent", "ahostsv4", "localhost")
    assert out.splitlines()[0] == "127.0.0.1       STREAM localhost" and code == 0
    assert run(net, "getent", "ahosts", "nope")[2] == 2
    assert run(net, "getent", "passwd", "root") == ("root:x:0:0:root:/root:/bin/sh\n", "", 0)
    assert run(net, "getent", "passwd", "nobody")[2] == 2
    _, err, code = run(net, "getent", "frobs", "x")
    assert err.startswith("Unknown database: frobs") and code == 1
    assert run(None, "getent", "hosts", "web") == ("", "", 2)
    assert run(None, "getent", "hosts", "localhost")[2] == 0


# -- curl --------------------------------------------------------------------------------

def test_curl_by_dns_name_clusterip_and_localhost(net):
    out, err, code = run(net, "curl", "-s", "http://web")
    assert (out, err, code) == ("<h1>Welcome to nginx!</h1>\n", "", 0)
    ip, port, method, path, headers, body = net.requests[-1]
    assert (ip, port, method, path, body) == ("10.96.0.20", 80, "GET", "/", b"")
    assert headers == {"Host": "web", "User-Agent": "curl/8.5.0", "Accept": "*/*"}
    assert run(net, "curl", "-s", "10.96.3.3")[0] == "cart\n"
    assert run(net, "curl", "-s", "cart.shop.svc.cluster.local/items?x=1")[0] == "cart\n"
    assert net.requests[-1][3] == "/items?x=1"
    assert run(net, "curl", "-s", "localhost:8080")[0] == "sidecar\n"
    assert net.requests[-1][:2] == ("127.0.0.1", 8080)
    assert net.requests[-1][4]["Host"] == "localhost:8080"
    assert run(net, "curl", "-s", "http://127.0.0.1:8080/")[0] == "sidecar\n"
    assert run(net, "curl", "-s", "http://[::1]:8080/")[0] == "sidecar\n"
    assert run(net, "curl", "-s", "http://db-0.db:5432")[0] == "db-0\n"
    assert run(net, "curl", "-s", "http://ext/")[0].startswith("<h1>")   # via the CNAME


def test_curl_progress_meter_unless_silent(net):
    out, err, code = run(net, "curl", "http://web")
    assert out.startswith("<h1>") and code == 0
    assert err.startswith("  % Total    % Received") and err.count("\n") == 3


def test_curl_include_and_head(net):
    out, _, code = run(net, "curl", "-si", "http://web/")
    assert out.startswith("HTTP/1.1 200 OK\r\n") and code == 0
    assert "Server: nginx\r\n" in out and "Content-Length: 27\r\n" in out
    assert out.endswith("\r\n\r\n<h1>Welcome to nginx!</h1>\n")
    out, _, code = run(net, "curl", "-sI", "http://web/")
    assert out.startswith("HTTP/1.1 200 OK\r\n") and out.endswith("\r\n\r\n") and code == 0
    assert "Welcome" not in out and net.requests[-1][2] == "HEAD"


def test_curl_fail_on_404(net):
    assert run(net, "curl", "-s", "http://web/missing") == ("not found\n", "", 0)
    assert run(net, "curl", "-sf", "http://web/missing") == ("", "", 22)
    assert run(net, "curl", "-fsS", "http://web/missing") == \
        ("", "curl: (22) The requested URL returned error: 404\n", 22)
    assert run(net, "curl", "--fail", "-s", "http://web/")[2] == 0


def test_curl_output_file_then_cat(net):
    ctx = context(net)
    out, err, code = run(net, "curl", "-sS", "-o", "/tmp/page.html", "http://web", ctx=ctx)
    assert (out, err, code) == ("", "", 0)
    assert run(net, "cat", "/tmp/page.html", ctx=ctx)[0] == "<h1>Welcome to nginx!</h1>\n"
    assert run(net, "curl", "-so/tmp/c", "cart.shop", ctx=ctx)[2] == 0
    assert ctx.files.read("/tmp/c") == b"cart\n"
    assert run(net, "curl", "-s", "-O", "http://web/index.html", ctx=ctx)[2] == 0
    assert ctx.files.read("/index.html").startswith(b"<h1>")


def test_curl_write_out(net):
    assert run(net, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://web") == \
        ("200", "", 0)
    assert run(net, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\\n",
               "http://web/missing") == ("404\n", "", 0)
    assert run(net, "curl", "-so", "/dev/null", "-w", "%{http_code} %{remote_ip}\\n",
               "http://nope") == ("000 \n", "", 6)
    out, _, _ = run(net, "curl", "-s", "-w", "\\n%{content_type} %{size_download}", "web")
    assert out.endswith("\ntext/html 27")


def test_curl_methods_headers_and_data(net):
    assert run(net, "curl", "-s", "-d", "a=1", "http://web/echo")[0] == \
        "POST application/x-www-form-urlencoded a=1"
    assert run(net, "curl", "-s", "-X", "PUT", "-H", "Content-Type: text/plain", "-d", "x",
               "http://web/echo")[0] == "PUT text/plain x"
    assert run(net, "curl", "-s", "-XDELETE", "http://web/echo")[0] == "DELETE - "
    run(net, "curl", "-s", "-H", "X-Trace: 7", "-H", "Accept:", "-A", "probe/1", "http://web/")
    headers = net.requests[-1][4]
    assert headers["X-Trace"] == "7" and "Accept" not in headers
    assert headers["User-Agent"] == "probe/1"
    assert run(net, "curl", "-s", "--json", '{"a":1}', "http://web/echo")[0] == \
        'POST application/json {"a":1}'


def test_curl_redirects(net):
    out, _, code = run(net, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                       "http://web/old")
    assert (out, code) == ("301", 0)
    out, _, code = run(net, "curl", "-fsSL", "http://web/old")
    assert out.startswith("<h1>") and code == 0 and net.requests[-1][3] == "/new"


def test_curl_errors_and_exit_codes(net):
    assert run(net, "curl", "http://nope")[1].endswith(
        "curl: (6) Could not resolve host: nope\n")
    assert run(net, "curl", "-s", "http://nope") == ("", "", 6)
    assert run(net, "curl", "-sS", "http://nope") == \
        ("", "curl: (6) Could not resolve host: nope\n", 6)
    assert run(net, "curl", "-sS", "http://web:81") == \
        ("", "curl: (7) Failed to connect to web port 81 after 0 ms: Couldn't connect to "
             "server\n", 7)
    # a Service without ready endpoints refuses
    assert run(net, "curl", "-sS", "down")[2] == 7
    result = ex.play(["curl", "-sS", "-m", "3", "http://10.1.2.3/"], context(net))
    assert result.exit_code == 28 and result.seconds == 3
    assert result.stderr.decode() == ("curl: (28) Failed to connect to 10.1.2.3 port 80 after "
                                      "3000 ms: Timeout was reached\n")
    result = ex.play(["curl", "-s", "http://10.1.2.3/"], context(net))
    assert result.exit_code == 28 and result.seconds > 100
    _, err, code = run(net, "curl", "-s", "ftp://web/")
    assert code == 1 and err == ""
    assert run(net, "curl", "-sS", "ftp://web/")[1] == 'curl: (1) Protocol "ftp" not supported\n'
    assert run(net, "curl", "-sS", "http://web:99999/")[2] == 3
    _, err, code = run(net, "curl", "--frobnicate", "web")
    assert code == 2 and err.startswith("curl: option --frobnicate: is unknown\n")
    _, err, code = run(net, "curl", "-s")
    assert code == 2 and err.startswith("curl: no URL specified!")
    _, err, code = run(net, "curl", "-s", "-o")
    assert code == 2 and "requires parameter" in err


def test_curl_https_is_played_as_http(net):
    net.routes[("10.96.0.20", 443)] = (200, {}, b"tls\n")
    assert run(net, "curl", "-sk", "https://web")[0] == "tls\n"
    assert net.requests[-1][4]["Host"] == "web"


def test_curl_without_network(net):
    assert run(None, "curl", "-sS", "http://web") == \
        ("", "curl: (6) Could not resolve host: web\n", 6)
    result = ex.play(["curl", "-sS", "--connect-timeout", "2", "http://10.96.0.20"],
                     context(None))
    assert result.exit_code == 28 and result.seconds == 2
    assert ex.play(["curl", "-s", "localhost:8080"], context(None)).exit_code == 28


# -- wget ----------------------------------------------------------------------------------

def test_wget_to_stdout(net):
    assert run(net, "wget", "-qO-", "http://web") == ("<h1>Welcome to nginx!</h1>\n", "", 0)
    assert run(net, "wget", "-q", "-O", "-", "cart.shop")[0] == "cart\n"
    assert net.requests[-1][4]["User-Agent"] == "Wget"
    out, err, code = run(net, "wget", "-O-", "http://web/")
    assert out.startswith("<h1>") and code == 0
    assert err.startswith("Connecting to web (10.96.0.20:80)\nwriting to stdout\n")
    assert err.endswith("written to stdout\n")


def test_wget_saves_files(net):
    ctx = context(net)
    out, err, code = sh(net, "cd /tmp && wget http://web/", ctx=ctx)
    assert (out, code) == ("", 0)
    assert err.startswith("Connecting to web (10.96.0.20:80)\nsaving to 'index.html'\n")
    assert err.endswith("'index.html' saved\n")
    assert ctx.files.read("/tmp/index.html").startswith(b"<h1>")
    # busybox does not overwrite
    assert sh(net, "cd /tmp && wget -q http://web/", ctx=ctx) == \
        ("", "wget: can't open 'index.html': File exists\n", 1)
    assert run(net, "wget", "-qO", "/tmp/x.txt", "http://cart.shop/a/x.txt", ctx=ctx)[2] == 0
    assert ctx.files.read("/tmp/x.txt") == b"cart\n"
    assert run(net, "wget", "-q", "-P", "/data", "http://cart.shop/a/y.txt", ctx=ctx)[2] == 0
    assert ctx.files.read("/data/y.txt") == b"cart\n"


def test_wget_errors(net):
    assert run(net, "wget", "-qO-", "http://nope") == ("", "wget: bad address 'nope'\n", 1)
    assert run(net, "wget", "-qO-", "http://web:81") == \
        ("", "wget: can't connect to remote host (10.96.0.20): Connection refused\n", 1)
    assert run(net, "wget", "-qO-", "http://web/missing") == \
        ("", "wget: server returned error: HTTP/1.1 404 Not Found\n", 1)
    _, err, code = run(net, "wget", "-O-", "http://web/missing")
    assert err == ("Connecting to web (10.96.0.20:80)\n"
                   "wget: server returned error: HTTP/1.1 404 Not Found\n") and code == 1
    result = ex.play(["wget", "-qO-", "-T", "5", "http://10.1.2.3/"], context(net))
    assert (result.stderr, result.exit_code, result.seconds) == \
        (b"wget: download timed out\n", 1, 5)
    assert run(None, "wget", "-qO-", "http://web") == ("", "wget: bad address 'web'\n", 1)
    _, err, code = run(net, "wget", "--frob", "http://web")
    assert err.startswith("wget: unrecognized option '--frob'") and code == 1


def test_wget_spider_headers_and_options(net):
    assert run(net, "wget", "-q", "--spider", "http://web/") == ("", "", 0)
    assert run(net, "wget", "-q", "--spider", "http://web/missing")[2] == 1
    _, err, code = run(net, "wget", "-S", "-qO-", "http://web/")
    assert code == 0 and "  HTTP/1.1 200 OK\n  Content-Type: text/html\n" in err
    run(net, "wget", "-qO-", "--header", "X-A: b", "-U", "agent/2", "http://web/")
    headers = net.requests[-1][4]
    assert headers["X-A"] == "b" and headers["User-Agent"] == "agent/2"
    assert run(net, "wget", "-qO-", "--post-data=k=v", "http://web/echo")[0] == \
        "POST application/x-www-form-urlencoded k=v"
    assert run(net, "wget", "-qO-", "http://web/old")[0].startswith("<h1>")   # redirects


# -- in shells -------------------------------------------------------------------------------

def test_network_commands_in_pipelines(net):
    assert sh(net, "curl -s http://web | grep -c Welcome") == ("1\n", "", 0)
    assert sh(net, "wget -qO- http://web/ | grep nginx")[0] == "<h1>Welcome to nginx!</h1>\n"
    assert sh(net, "curl -si web | head -1")[0].rstrip() == "HTTP/1.1 200 OK"
    assert sh(net, "nslookup db | grep Address: | wc -l")[0] == "3\n"
    assert sh(net, 'code=$(curl -s -o /dev/null -w "%{http_code}" web/missing); echo "got $code"'
              )[0] == "got 404\n"
    assert sh(net, "curl -sf web/missing || echo down")[0] == "down\n"
    assert sh(net, "curl -sf web/ > /dev/null && echo up")[0] == "up\n"
    assert sh(net, "wget -qO- nope; echo $?") == ("1\n", "wget: bad address 'nope'\n", 0)
    assert sh(net, "getent hosts web | cut -d' ' -f1")[2] == 127      # cut is not played
    assert sh(net, "which curl wget nslookup getent")[0] == \
        "/bin/curl\n/bin/wget\n/bin/nslookup\n/bin/getent\n"
