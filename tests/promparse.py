#!/usr/bin/env python3
"""Fetch or read a Prometheus text exposition and check it with a real parser.

    promparse.py URL|FILE        -> one line per sample: "name{l="v",...} value"
                                    (labels sorted), exit 0 when it parses
    promparse.py --get URL       -> the raw body and the status on stderr ("status N")

The parser is python3-prometheus-client's (prometheus_client.parser, the text
format 0.0.4 parser Prometheus' Python client uses).  On top of what it
accepts, every family must have both a HELP and a TYPE line, and every
sample name must start with auralog_.  Exit 1 with the reason otherwise;
exit 3 when the URL cannot be fetched.
"""
import re
import sys
import urllib.error
import urllib.request


def fetch(url):
    req = urllib.request.Request(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def main():
    if sys.argv[1] == "--get":
        try:
            status, body = fetch(sys.argv[2])
        except (urllib.error.URLError, OSError) as e:
            sys.stderr.write("promparse: %s\n" % e)
            return 3
        sys.stdout.write(body)
        sys.stderr.write("status %d\n" % status)
        return 0
    src = sys.argv[1]
    if re.match(r"^https?://", src):
        try:
            status, text = fetch(src)
        except (urllib.error.URLError, OSError) as e:
            sys.stderr.write("promparse: %s\n" % e)
            return 3
        if status != 200:
            sys.stderr.write("promparse: HTTP %d\n" % status)
            return 1
    else:
        with open(src, encoding="utf-8") as f:
            text = f.read()
    from prometheus_client.parser import text_string_to_metric_families
    helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    types = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    out = []
    try:
        for fam in text_string_to_metric_families(text):
            if fam.name not in helps and fam.name + "_total" not in helps:
                raise ValueError("no HELP for %s" % fam.name)
            if fam.name not in types and fam.name + "_total" not in types:
                raise ValueError("no TYPE for %s" % fam.name)
            if fam.type == "unknown":
                raise ValueError("untyped family %s" % fam.name)
            for s in fam.samples:
                if not s.name.startswith("auralog_"):
                    raise ValueError("sample without the auralog_ prefix: %s" % s.name)
                labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
                value = s.value
                text_value = repr(int(value)) if value == int(value) else repr(value)
                out.append("%s%s %s" % (s.name, "{%s}" % labels if labels else "", text_value))
    except ValueError as e:
        sys.stderr.write("promparse: does not parse: %s\n" % e)
        return 1
    sys.stdout.write("".join(line + "\n" for line in out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
