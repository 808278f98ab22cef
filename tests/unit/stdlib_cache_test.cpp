// The standard library's parsed modules, kept between compilations
// (CompileOptions::reuse_stdlib): the programs, diagnostics and positions are those of a
// compilation that parses it afresh, whatever the number of files before it.
#include <doctest/doctest.h>

#include <thread>

#include "helpers.h"
#include "runtime/bytecode/serialize.h"

using namespace lawful;

namespace {

CompileOptions fresh() {
  CompileOptions o;
  o.reuse_stdlib = false;
  return o;
}

std::string bytes_of(const Compilation& c) {
  REQUIRE(c.ok());
  return serialize_program(*c.program);
}

// The module of a standard-library file of the compilation.
const ast::Module* stdlib_module(const Compilation& c, const std::string& name) {
  for (const auto& m : c.modules)
    if (m->kind == ast::ModuleKind::Library && m->name.str() == name) return m.get();
  return nullptr;
}

const char* kRouting = R"LAW(routing "Routes"
route GB to sample.p
)LAW";

const char* kBadCall = R"LAW(policy diag.call "Calls with the wrong arguments"

use std.consent

decision email when campaign.channel == email:
  rule r: allow basis consent
    when std.consent.valid_for(campaign.channel, contact.entity)
    cite "x"
)LAW";

}  // namespace

TEST_CASE("compiling with the kept standard library gives the bytes of a fresh compilation") {
  using testing::kSamplePolicy;
  std::vector<std::vector<SourceFile>> inputs = {
      {{"sample.law", kSamplePolicy}},
      {{"sample.law", kSamplePolicy}, {"route.law", kRouting}},  // the library's files numbered one later
      {{"a.law", "module a.m\nlet x = true\n"}, {"sample.law", kSamplePolicy}, {"route.law", kRouting}},
  };
  for (int round = 0; round < 2; ++round)
    for (const auto& files : inputs) {
      CAPTURE(round);
      CAPTURE(files.size());
      Compilation afresh = compile_sources(files, {}, fresh());
      Compilation kept1 = compile_sources(files);
      Compilation kept2 = compile_sources(files);
      CHECK(bytes_of(kept1) == bytes_of(afresh));
      CHECK(bytes_of(kept2) == bytes_of(afresh));
      CHECK(kept2.diags.render(kept2.sources) == afresh.diags.render(afresh.sources));
      // The second compilation took the first one's modules; the fresh one has its own.
      const ast::Module* facts = stdlib_module(kept1, "std.facts");
      REQUIRE(facts != nullptr);
      CHECK(stdlib_module(kept2, "std.facts") == facts);
      CHECK(stdlib_module(afresh, "std.facts") != facts);
      // Each module's spans name its own file in this compilation's sources.
      for (const Compilation* c : {&kept1, &kept2})
        for (const auto& m : c->modules) {
          REQUIRE(m->file < c->sources.size());
          if (m->kind == ast::ModuleKind::Library && m->name.str().rfind("std.", 0) == 0) {
            CHECK(c->sources.path(m->file).rfind("<stdlib>/", 0) == 0);
            CHECK(m->name.span.file == m->file);
            CHECK(c->sources.text(m->file).substr(m->name.span.begin, m->name.span.end - m->name.span.begin) ==
                  m->name.str());
          }
        }
    }
}

TEST_CASE("a diagnostic renders with its file, line, column and caret after kept compilations") {
  // Warm the kept library for one file and for two, then a user file with an error whose
  // note points into the library.
  (void)compile_sources({{"sample.law", testing::kSamplePolicy}});
  (void)compile_sources({{"sample.law", testing::kSamplePolicy}, {"route.law", kRouting}});
  for (int i = 0; i < 2; ++i) {
    Compilation c = compile_sources({{"call.law", kBadCall}});
    REQUIRE_FALSE(c.ok());
    std::string text = c.diags.render(c.sources);
    CHECK(text ==
          "call.law:7:10: error: 'valid_for' takes 1 argument, not 2 [E207]\n"
          " 7 |     when std.consent.valid_for(campaign.channel, contact.entity)\n"
          "   |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
          "note: <stdlib>/std/consent.law:46:5: defined here\n"
          " 46 | let valid_for(channel: CampaignChannel) =\n"
          "    |     ^^^^^^^^^\n");
    Compilation afresh = compile_sources({{"call.law", kBadCall}}, {}, fresh());
    CHECK(afresh.diags.render(afresh.sources) == text);
  }
}

TEST_CASE("the kept library is per parse limits: a limit the library breaks is reported every time") {
  CompileOptions small;
  small.parse.max_bytes = 1000;  // the library's files are longer; the policy below is not
  const std::string policy = "policy p.q \"Q\"\ndecision d:\n  rule r: deny\n";
  CompileOptions small_fresh = small;
  small_fresh.reuse_stdlib = false;
  Compilation afresh = compile_sources({{"p.law", policy}}, {}, small_fresh);
  REQUIRE_FALSE(afresh.ok());
  std::string expected = afresh.diags.render(afresh.sources);
  CHECK(expected.find("<stdlib>/") != std::string::npos);
  CHECK(expected.find("[E003]") != std::string::npos);
  (void)compile_sources({{"p.law", policy}});  // the default limits' entry first
  for (int i = 0; i < 2; ++i) {
    Compilation c = compile_sources({{"p.law", policy}}, {}, small);
    CHECK_FALSE(c.ok());
    CHECK(c.diags.render(c.sources) == expected);
  }
  CHECK(compile_sources({{"p.law", policy}}).ok());
}

TEST_CASE("compilations on several threads at once share the kept library") {
  const std::string expected = bytes_of(compile_sources({{"sample.law", testing::kSamplePolicy}}, {}, fresh()));
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      // Different numberings, so that threads also add entries while others read them.
      std::vector<SourceFile> files;
      for (size_t k = 0; k < t; ++k)
        files.push_back({"m" + std::to_string(k) + ".law", "module m" + std::to_string(k) + ".x\n"});
      files.push_back({"sample.law", testing::kSamplePolicy});
      for (int i = 0; i < 5; ++i) {
        Compilation c = compile_sources(files);
        if (t == 0 && c.ok())
          got[t] = serialize_program(*c.program);
        else if (c.ok())
          got[t] = "ok";
      }
    });
  for (auto& th : threads) th.join();
  CHECK(got[0] == expected);
  for (size_t t = 1; t < got.size(); ++t) CHECK(got[t] == "ok");
}

TEST_CASE("a parse cache reuses the parse of an unchanged file, and only of one") {
  using testing::kSamplePolicy;
  auto messages = [](const Compilation& c) {
    std::vector<std::string> out;
    for (const Diagnostic& d : c.diags.all()) out.push_back(d.message + "@" + std::to_string(d.span.begin));
    return out;
  };
  ParseCache cache;
  CompileOptions o;
  o.parse_cache = &cache;
  Compilation first = compile_sources({{"sample.law", kSamplePolicy}, {"route.law", kRouting}}, {}, o);
  CHECK(cache.hits() == 0);
  CHECK(cache.size() == 2);
  Compilation again = compile_sources({{"sample.law", kSamplePolicy}, {"route.law", kRouting}}, {}, o);
  CHECK(cache.hits() == 2);
  CHECK(again.modules[0].get() == first.modules[0].get());
  CHECK(bytes_of(again) == bytes_of(first));
  // One file edited: the other's parse is reused, the edited one parsed again.
  std::string edited = std::string(kRouting) + "route FR to review\n";
  Compilation changed = compile_sources({{"sample.law", kSamplePolicy}, {"route.law", edited}}, {}, o);
  CHECK(cache.hits() == 3);
  CHECK(changed.modules[0].get() == first.modules[0].get());
  CHECK(changed.modules[1].get() != first.modules[1].get());
  CHECK(bytes_of(changed) == bytes_of(compile_sources({{"sample.law", kSamplePolicy}, {"route.law", edited}}, {}, fresh())));
  // The same text under another FileId (its spans would be wrong): parsed again.
  Compilation moved = compile_sources({{"route.law", edited}, {"sample.law", kSamplePolicy}}, {}, o);
  CHECK(cache.hits() == 3);
  CHECK(bytes_of(moved) == bytes_of(compile_sources({{"route.law", edited}, {"sample.law", kSamplePolicy}}, {}, fresh())));
  // A file with syntax errors: its diagnostics come with the kept parse.
  const char* broken = "policy b.p \"Broken\"\n\ndecision d:\n  rule r: allow\n    when (contact.tps and\n";
  Compilation bad1 = compile_sources({{"broken.law", broken}}, {}, o);
  size_t hits = cache.hits();
  Compilation bad2 = compile_sources({{"broken.law", broken}}, {}, o);
  CHECK(cache.hits() == hits + 1);
  CHECK(!bad1.diags.all().empty());
  CHECK(messages(bad2) == messages(bad1));
}
