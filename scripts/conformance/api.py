"""The two calls the conformance scripts make before testing, with the standard library.

    api.py enrol URL      < enrolment JSON (from `outreach-server device enrol --json`)
                          prints the device credential
    api.py login URL ID   < password line
                          prints the console session cookie as name=value
"""

import json
import sys
import urllib.error
import urllib.request


def post_json(url, body):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as e:
        sys.exit(f"api.py: POST {url} answered {e.code}: {e.read().decode(errors='replace')}")


def main():
    command, base = sys.argv[1], sys.argv[2].rstrip("/")
    if command == "enrol":
        enrolment = json.loads(sys.stdin.read())
        if enrolment.get("kind") != "outreach-enrolment":
            sys.exit(f"api.py: not an enrolment code: {enrolment!r}")
        status, _, body = post_json(f"{base}/api/v1/enrol", {"code": enrolment["code"]})
        if status != 201:
            sys.exit(f"api.py: enrolment answered {status}, not 201")
        print(body["credential"])
    elif command == "login":
        password = sys.stdin.readline().rstrip("\n")
        status, headers, _ = post_json(
            f"{base}/api/v1/console/session", {"staffId": sys.argv[3], "password": password}
        )
        cookie = (headers.get("set-cookie") or "").split(";")[0]
        if status != 200 or not cookie.startswith("outreach_session="):
            sys.exit(f"api.py: sign-in answered {status} without a session cookie")
        print(cookie)
    else:
        sys.exit(f"api.py: unknown command {command}")


if __name__ == "__main__":
    main()
