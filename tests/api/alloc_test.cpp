// Per-thread scratch is reused, not reallocated per decision: once warm, deciding
// allocates nothing. Counted with a replacement of the global operator new, which the
// shared library's allocations go through too.
//
// The JSON binder builds the path of each field it reads as a string ("contact.entity"),
// on the heap when it is longer than the standard library's short-string buffer; the
// JSON cases use short field paths so that they measure the API and the VM, not that.
#include <doctest/doctest.h>
#include <lawful/lawful.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "helpers.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// Every unaligned form, so that what one form allocates another may free (a sanitizer's
// runtime supplies the forms not replaced here, with its own bookkeeping).
namespace {
void* counted(std::size_t n) noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
}  // namespace
void* operator new(std::size_t n) {
  if (void* p = counted(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace api_test;

namespace {

template <class F>
long allocations(F&& f) {
  for (int i = 0; i < 3; ++i) f();  // warm up
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 100; ++i) f();
  g_counting = false;
  return g_allocations.load();
}

const char* kShort = R"({"id": "c-9", "country": "GB", "entity": "company"})";
const char* kShortCampaign = R"({"channel": "email", "id": "x"})";

}  // namespace

TEST_CASE("deciding from facts allocates nothing once warm") {
  lawful::Engine e = lawful::Engine::load(policies()).value();
  lawful::Facts f = e.facts();
  static_cast<void>(f.set_text(e.field("campaign.channel"), "email"));
  static_cast<void>(f.set_bool(e.field("campaign.unsubscribe"), true));
  static_cast<void>(f.set_text(e.field("campaign.sender.name"), "Acme Ltd"));
  static_cast<void>(f.set_bool(e.field("campaign.sender.identified"), true));
  static_cast<void>(f.set_bool(e.field("campaign.sender.contact_address"), true));
  static_cast<void>(f.add_text(e.field("campaign.products"), "tools"));
  lawful::Field country = e.field("contact.country"), entity = e.field("contact.entity");
  lawful::Field objected = e.field("contact.objected"), suppressed = e.field("contact.suppressed");
  lawful::Field consents = e.field("contact.consents"), channel = e.field("contact.consents.channel");
  lawful::Field third = e.field("contact.consents.third_parties");
  lawful::Decision d;
  // The same facts again and again.
  static_cast<void>(f.set_text(country, "GB"));
  static_cast<void>(f.set_text(entity, "company"));
  static_cast<void>(f.set_bool(objected, false));
  static_cast<void>(f.set_bool(suppressed, false));
  f.set_empty(consents);
  CHECK(allocations([&] { static_cast<void>(e.decide(f, d)); }) == 0);
  CHECK(d.basis() == "corporate_subscriber");
  // A new contact each time, with a list of records and a list inside it.
  CHECK(allocations([&] {
          f.reset("contact");
          static_cast<void>(f.set_text(country, "FR"));
          static_cast<void>(f.set_text(entity, "consumer"));
          static_cast<void>(f.set_bool(objected, false));
          lawful::Item c = f.add_record(consents);
          static_cast<void>(f.set_text(c, channel, "email"));
          static_cast<void>(f.add_text(c, third, "Acme Ltd"));
          static_cast<void>(e.decide(f, d));
        }) == 0);
  CHECK(d.verdict() == lawful::Verdict::allow);
}

TEST_CASE("deciding from JSON, in batches and through a reloader allocates nothing once warm") {
  lawful::Engine e = lawful::Engine::load(policies()).value();
  lawful::Decision d;
  CHECK(allocations([&] { static_cast<void>(e.decide(kShort, kShortCampaign, d)); }) == 0);
  CHECK(d.verdict() == lawful::Verdict::review);  // objected unknown
  std::vector<std::string_view> contacts(50, kShort);
  std::vector<lawful::Decision> out;
  CHECK(allocations([&] { static_cast<void>(e.decide_batch(kShortCampaign, contacts, out)); }) == 100 * 2);  // the C++ wrapper's two vectors
  lawful::Reloader r = lawful::Reloader::open(policies()).value();
  CHECK(allocations([&] { static_cast<void>(r.decide(kShort, kShortCampaign, d)); }) == 0);
  CHECK(d.ok());
}

TEST_CASE("the counter sees the library's own allocations") {
  // A control for the cases above: a contact the binder refuses makes it write its
  // error message, inside liblawful.so, and the counter must see that.
  lawful::Engine e = lawful::Engine::load(policies()).value();
  lawful::Decision d;
  CHECK(allocations([&] { static_cast<void>(e.decide(R"({"id": "x", "objected": "no"})", kCampaign, d)); }) > 0);
  CHECK_FALSE(d.ok());
}
