// The steady state of the main job allocates nothing: binding a contact, deciding it
// and formatting its record (JSON or CSV) reuse the memory of the contacts before.
// Its own executable, because it replaces the global operator new to count.
#include <cstdlib>
#include <new>

#include <doctest/doctest.h>

#include "cli/gen_contacts.h"
#include "compiler/compiler.h"
#include "runtime/facts/binder.h"
#include "runtime/facts/csv_binder.h"
#include "runtime/facts/records.h"
#include "runtime/vm/entry.h"
#include "runtime/vm/vm.h"

namespace {
size_t g_allocations = 0;
}

// A replacement pair: memory from malloc is given back with free (GCC cannot see that).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Every (unaligned) form, so that new and delete always pair up (AddressSanitizer checks).
void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace lawful;

namespace {

struct Lines {
  std::string text;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, length
};

Lines generate(size_t n, bool csv) {
  Lines l;
  cli::GenOptions g;
  g.n = n;
  g.seed = 11;
  g.csv = csv;
  cli::ContactGenerator gen(g);
  std::string header;
  if (csv) gen.header(header);
  l.text = header;
  for (size_t i = 0; i < n; ++i) {
    size_t at = l.text.size();
    gen.contact(l.text, i);
    l.spans.emplace_back(at, l.text.size() - at - 1);
  }
  l.text.append(64, ' ');
  return l;
}

std::string campaign() {
  return R"({"id": "spring-2026", "channel": "email", "sender": {"name": "Northwind Ltd", "identified": true,)"
         R"( "contact_address": true, "postal_address": true, "kind": "company"}, "unsubscribe": true,)"
         R"( "ad_disclosed": true, "honest_headers": true, "products": ["garden_tools"], "send_date": "2026-12-01"})";
}

}  // namespace

TEST_CASE("binding, deciding and formatting allocate nothing once warm") {
  Compilation c = compile_path(LAWFUL_SOURCE_DIR "/policies");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  for (bool csv : {false, true}) {
    CAPTURE(csv);
    Lines lines = generate(3000, csv);
    Vm vm(prog);
    Binder binder(prog);
    CsvBinder csv_binder(prog, binder);
    RecordWriter writer(prog);
    Entry entry;
    REQUIRE(choose_entry(prog, "", entry).empty());
    REQUIRE(binder.bind_campaign(vm.facts(), campaign()).ok);
    if (csv) REQUIRE(csv_binder.set_header(std::string_view(lines.text.data(), lines.text.find('\n'))) == "");
    Outcome out;
    TextBuffer buf;
    buf.reserve(1 << 22);
    size_t decided[3] = {0, 0, 0};
    auto run = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        auto [at, len] = lines.spans[i];
        BindResult r = csv ? csv_binder.bind_row(vm.facts(), std::string_view(lines.text.data() + at, len))
                           : binder.bind_contact(vm.facts(), lines.text.data() + at, len, lines.text.size() - at);
        REQUIRE(r.ok);
        decide_entry(vm, entry, out);
        ++decided[static_cast<size_t>(out.verdict)];
        if (csv) writer.decision_csv(buf, i + 2, out, vm.facts());
        else writer.decision_json(buf, out, vm.facts());
      }
    };
    run(0, 1000);  // warm: vectors reach their sizes
    size_t before = g_allocations;
    run(1000, 3000);
    CHECK(g_allocations - before == 0);
    // The contacts were decided in every way, reviews with reasons included.
    CHECK(decided[0] > 0);
    CHECK(decided[1] > 0);
    CHECK(decided[2] > 0);
  }
}

TEST_CASE("the counter sees the library's own allocations") {
  // A control for the case above, which would pass with a counter that counts nothing:
  // a contact the binder refuses makes it write its error message, inside the library,
  // after the same warm-up, and the counter must see that.
  Compilation c = compile_path(LAWFUL_SOURCE_DIR "/policies");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Vm vm(prog);
  Binder binder(prog);
  REQUIRE(binder.bind_campaign(vm.facts(), campaign()).ok);
  const std::string json = R"({"id": "x", "objected": "not a boolean, so the binder says why"})";
  const std::string bad = json + std::string(64, ' ');  // padded as the lines above are: no copy
  auto bind = [&] { return binder.bind_contact(vm.facts(), bad.data(), json.size(), bad.size()); };
  for (int i = 0; i < 3; ++i) REQUIRE_FALSE(bind().ok);  // warm
  size_t before = g_allocations;
  for (int i = 0; i < 100; ++i) REQUIRE_FALSE(bind().ok);
  CHECK(g_allocations - before > 0);
}

TEST_CASE("records written from the kept text after the id are the records written whole") {
  // RecordWriter keeps the text after the id per outcome; every record must still be,
  // byte for byte, what append_decision_json writes from nothing: for every verdict,
  // reviews with their missing facts and reasons, and routed contacts without a policy.
  Compilation c = compile_path(LAWFUL_SOURCE_DIR "/policies");
  REQUIRE(c.ok());
  const Program& prog = *c.program;
  Lines lines = generate(3000, false);
  Vm vm(prog);
  Binder binder(prog);
  RecordWriter writer(prog);
  Entry entry;
  REQUIRE(choose_entry(prog, "", entry).empty());
  REQUIRE(binder.bind_campaign(vm.facts(), campaign()).ok);
  Outcome out;
  TextBuffer buf;
  std::string want;
  size_t differ = 0, reasons = 0;
  for (size_t i = 0; i < lines.spans.size(); ++i) {
    auto [at, len] = lines.spans[i];
    REQUIRE(binder.bind_contact(vm.facts(), lines.text.data() + at, len, lines.text.size() - at).ok);
    decide_entry(vm, entry, out);
    if (out.reason == Reason::NoPolicyForCountry) ++reasons;
    buf.clear();
    writer.decision_json(buf, out, vm.facts());
    want.clear();
    append_decision_json(want, prog, out, vm.facts());
    if (std::string(buf.view()) != want && ++differ < 4) CHECK(std::string(buf.view()) == want);
  }
  CHECK(differ == 0);
  CHECK(reasons > 0);  // the reason that names the country, never kept, was written too
}
