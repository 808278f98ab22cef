"""What the two cache tests share (tests/cli/cache_test.py, the program cache, and
tests/jit/cache_test.py, the machine-code cache): a small policy, another program, and
the contacts and campaign they decide, in the harness's temporary folder."""
import json

from clitest import write

POLICY = """policy t.cache "Cache"

decision email when campaign.channel == email:
  rule unsolicited: deny
    cite "reg 22(2)"
  rule consented: allow basis consent
    when any c in contact.consents: c.channel == email
    overrides unsolicited
    cite "reg 22(2) consent"
"""
# Another program: every contact allowed.
OTHER = """policy t.cache "Cache"

decision email when campaign.channel == email:
  rule always: allow basis consent
    cite "always"
"""
CAMPAIGN = write("cache-fixture/campaign.json", json.dumps({"id": "c", "channel": "email", "send_date": "2026-12-01"}))
CONTACTS = write("cache-fixture/contacts.jsonl", "".join(
    json.dumps({"id": f"k{i}", "consents": [{"channel": "email"}] if i % 2 else []}) + "\n" for i in range(20)))
# POLICY's verdicts for CONTACTS, in order.
EXPECTED = ["deny", "allow"] * 10
