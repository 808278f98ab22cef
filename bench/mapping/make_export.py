#!/usr/bin/env python3
"""A CRM-shaped export from a native CSV of `lawful gen-contacts --format csv`: the same
contacts under bench/mapping/export.toml's header, with country names, Yes/No, dates as
DD/MM/YYYY and title-case values. usage: make_export.py NATIVE.csv EXPORT.csv"""
import csv, re, sys

names = {}
for line in open(__file__.rsplit("/", 3)[0] + "/runtime/core/countries.def", encoding="utf-8"):
    m = re.match(r'LAW_COUNTRY\("(..)", "...", "([^"]*)"', line)
    if m:
        names[m.group(1)] = m.group(2)

COLUMNS = [("id", "Contact ID"), ("email", "E-mail"), ("phone", "Mobile"), ("email_kind", "Mailbox"),
           ("country", "Country"), ("entity", "Type"), ("role", "Department"), ("source", "Lead Source"),
           ("published_address", "Published Address"), ("no_solicitation_notice", "No Solicitation"),
           ("objected", "Unsubscribed"), ("suppressed", "Suppressed"), ("tps", "TPS"), ("ctps", "CTPS"),
           ("bloctel", "Bloctel"), ("dnc", "Do Not Call"), ("last_contact", "Last Activity"),
           ("customer.last_purchase", "Last Purchase"), ("customer.opt_out_offered", "Purchase Opt-out Offered"),
           ("supporter.support_given", "Support Given"), ("supporter.interest_expressed", "Interest Expressed"),
           ("supporter.collected_at", "Support Collected"), ("supporter.collected_by", "Support Collected By"),
           ("supporter.opt_out_offered", "Support Opt-out Offered")]
WORDS = {"personal": "Personal", "professional": "Work", "generic_role": "Role", "llp": "LLP", "it": "IT",
         "hr": "HR"}


def convert(field, v):
    if v == "":
        return v
    if field == "country":
        return names[v.upper()]
    if v in ("true", "false"):
        return "Yes" if v == "true" else "No"
    if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
        y, m, d = v.split("-")
        return f"{d}/{m}/{y}"
    if field in ("email_kind", "entity", "role", "source"):
        return WORDS.get(v, v.replace("_", " ").title())
    return v


with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    rows = csv.DictReader(f)
    w = csv.writer(out, lineterminator="\n")
    w.writerow([c for _, c in COLUMNS])
    for r in rows:
        w.writerow([convert(k, r[k]) for k, _ in COLUMNS])
