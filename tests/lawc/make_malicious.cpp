// Writes hand-crafted malicious .lawc files, each with a correct checksum unless the
// damage is to the header itself, and a manifest of what `lawful check` must do with
// each (tests/lawc/run_malicious.py checks it):
//   refused  — the loader or the verifier refuses the file, naming the problem, and
//              nothing runs;
//   error    — the file verifies (the damage is to values, which carry no type at run
//              time) and every decision it makes stops with an error record;
//   decides  — the file verifies and decides, harmlessly.
// Every one of them would crash the engine, hang it or read outside its memory if the
// check that catches it were missing.
//
//   lawful_make_malicious OUT_DIR     (writes OUT_DIR/*.lawc and OUT_DIR/manifest.tsv)
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/serialize.h"
#include "runtime/core/value.h"

namespace {

using namespace lawful;

// A policy with a definition, a loop of each kind, a string set, a constant, date
// arithmetic, overrides and an obligation: something to damage everywhere.
const char* kSample = R"LAW(policy mal.sample "A policy to damage"
let named = any c in contact.consents: campaign.sender.name in c.third_parties
let how_many = count c in contact.consents: c.channel == email
decision email when campaign.channel in {email, sms}:
  rule unsolicited: deny
    cite "reg 22(2)"
  rule consented: allow basis consent
    when named and contact.country in {"GB", "IE"}
    overrides unsolicited
    cite "reg 22(2) consent"
  rule many: deny
    when how_many > 1 and campaign.send_date + 1 year > 2020-01-01
    overrides consented
    cite "x"
  rule objection: deny
    when contact.objected
    overrides many
    cite "art 21(3)"
  oblige include_unsubscribe when verdict == allow cite "reg 23"
)LAW";

constexpr size_t kHeader = 4 + 4 + 8 + 8 + 8;

void put32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put64(std::string& s, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) s[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
// Length and checksum as a writer that meant the damage would put them.
void reseal(std::string& bytes) {
  put64(bytes, 16, bytes.size() - kHeader);
  std::string_view all(bytes);
  put64(bytes, 24, fnv1a64(all.substr(kHeader), fnv1a64(all.substr(0, kHeader - 8))));
}

uint32_t fn_of_let(const Program& p, const std::string& name) {
  for (const LetInfo& l : p.lets)
    if (p.strings[l.name] == name) return l.fn;
  std::fprintf(stderr, "no definition %s\n", name.c_str());
  std::exit(1);
}
uint32_t fn_of_rule(const Program& p, const std::string& name) {
  for (const RuleInfo& r : p.decisions[0].rules)
    if (p.strings[r.name] == name) return static_cast<uint32_t>(r.cond);
  std::fprintf(stderr, "no rule %s\n", name.c_str());
  std::exit(1);
}
// The n-th instruction with this opcode in a function.
uint32_t find(const Program& p, uint32_t fn, Op op, int nth = 0) {
  const Function& f = p.functions[fn];
  for (uint32_t pc = f.begin; pc < f.end;) {
    Op o = decode_op(p.code[pc]);
    if (o == op && nth-- == 0) return pc;
    pc += static_cast<uint32_t>(op_words(op_info(o).format));
  }
  std::fprintf(stderr, "no %s in function %u\n", op_info(op).name, fn);
  std::exit(1);
}
uint32_t add_const(Program& p, int64_t v) {
  p.consts.push_back(v);
  return static_cast<uint32_t>(p.consts.size() - 1);
}
// Appends a hand-written function, whose jump targets count from its first word;
// returns its index.
uint32_t add_function(Program& p, std::vector<uint32_t> words, uint32_t max_stack, uint32_t n_locals) {
  Function f;
  f.begin = static_cast<uint32_t>(p.code.size());
  const uint32_t base = f.begin;
  for (size_t pc = 0; pc < words.size();) {
    Op op = decode_op(words[pc]);
    OpFormat format = op_info(op).format;
    for (int k = 0; k < op_words(format); ++k)
      if (const uint32_t bits = jump_bits(format, k)) {
        const int shift = jump_shift(bits);
        uint32_t& w = words[pc + static_cast<size_t>(k)];
        w = (w & ~bits) | (((((w & bits) >> shift) + base) << shift) & bits);
      }
    pc += static_cast<size_t>(op_words(format));
  }
  for (uint32_t w : words) {
    p.code.push_back(w);
    p.code_paths.push_back(-1);
  }
  f.end = static_cast<uint32_t>(p.code.size());
  f.max_stack = max_stack;
  f.n_locals = n_locals;
  p.functions.push_back(f);
  return static_cast<uint32_t>(p.functions.size() - 1);
}
uint32_t slot_of(const Program& p, const std::string& path) {
  for (const PathDef& d : p.schema.paths)
    if (d.name == path) return static_cast<uint32_t>(d.slot);
  std::exit(1);
}
// Makes rule `many` (whose condition is replaced) run `fn` as its condition.
void run_as_rule(Program& p, uint32_t fn) {
  for (RuleInfo& r : p.decisions[0].rules)
    if (p.strings[r.name] == "many") r.cond = static_cast<int32_t>(fn);
}

struct Case {
  const char* name;
  const char* expect;  // refused | error | decides
  const char* says;    // a fragment of the message (or of the error record)
  std::function<void(Program&)> damage;
  std::function<void(std::string&)> damage_bytes = nullptr;  // after serializing
  uint32_t version = Program::kFormatVersion;                  // of the file written
};

std::vector<Case> cases() {
  return {
      // ------------------------------------------------------------ the file itself
      {"bad_magic", "refused", "no LAWC magic number", nullptr, [](std::string& b) { b[0] = 'X'; }},
      {"newer_format", "refused", "compiled with format version 99", nullptr, [](std::string& b) { put32(b, 4, 99); }},
      {"checksum", "refused", "the checksum does not match", nullptr,
       [](std::string& b) { b[b.size() - 1] = static_cast<char>(b[b.size() - 1] ^ 1); }},
      {"truncated", "refused", "the file is truncated", nullptr, [](std::string& b) { b.resize(b.size() - 10); }},
      {"huge_count", "refused", "a count larger than the file", nullptr,
       [](std::string& b) {
         put32(b, kHeader, 0xffffffffu);  // the schema's number of types
         reseal(b);
       }},
      {"bytes_after_the_end", "refused", "bytes the format does not account for", nullptr,
       [](std::string& b) {
         b += "MORE";
         reseal(b);
       }},
      // ------------------------------------------------------------ jumps and loops
      {"jump_outside_the_function", "refused", "which is not an instruction of this function",
       [](Program& p) {
         uint32_t at = find(p, fn_of_rule(p, "consented"), Op::JumpIfFalseKeep);
         p.code[at] = encode(Op::JumpIfFalseKeep, 100000);
       }},
      {"jump_into_an_instruction", "refused", "which is not an instruction of this function",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         uint32_t next = find(p, fn, Op::IterNext);
         p.code[find(p, fn, Op::IterBegin) + 1] = next + 1;  // the IterNext's second word
       }},
      // Found by the lawc fuzzer: a jump no path reaches still has to land in its function
      // (the VM's set-up reads every instruction).
      {"jump_outside_in_dead_code", "refused", "which is not an instruction of this function",
       [](Program& p) {
         run_as_rule(p, add_function(p, {encode(Op::PushInt, 1), encode(Op::Ret), encode(Op::JumpIfFalseKeep, 8388677)},
                                     1, 0));
       }},
      {"code_after_the_last_function", "refused", "code after the last function",
       [](Program& p) {
         run_as_rule(p, add_function(p, {encode(Op::PushInt, 1), encode(Op::Ret)}, 1, 0));
         p.code.push_back(encode(Op::JumpIfFalseKeep, 8388677));  // a word of no function
         p.code_paths.push_back(-1);
       }},
      {"jump_backward", "refused", "jumps backward",
       [](Program& p) {
         uint32_t at = find(p, fn_of_rule(p, "consented"), Op::JumpIfFalseKeep);
         p.code[at] = encode(Op::JumpIfFalseKeep, at);
       }},
      {"backward_jump_not_a_loop", "refused", "a backward jump that is not a quantifier loop",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         p.code[find(p, fn, Op::Jump)] = encode(Op::Jump, p.functions[fn].begin);
       }},
      // An infinite loop: the loop's exit leads to its own backward jump.
      {"loop_exit_inside_the_loop", "refused", "a loop whose exit is inside it",
       [](Program& p) {
         uint32_t consents = slot_of(p, "contact.consents");
         run_as_rule(p, add_function(p,
                                     {encode(Op::LoadSlot, consents), encode(Op::IterBegin, 0), 7,
                                      encode(Op::IterNext, 0), iter_operand(5, 7), encode(Op::Jump, 3),
                                      encode(Op::PushInt, 0), encode(Op::Ret)},
                                     1, 4));
       }},
      // An infinite loop: the loop starts itself again on every turn.
      {"loop_restarts_itself", "refused", "a loop that restarts itself",
       [](Program& p) {
         uint32_t consents = slot_of(p, "contact.consents");
         run_as_rule(p, add_function(p,
                                     {encode(Op::LoadSlot, consents), encode(Op::IterBegin, 0), 10,
                                      encode(Op::IterNext, 0), iter_operand(9, 7), encode(Op::LoadSlot, consents),
                                      encode(Op::IterBegin, 0), 10, encode(Op::Jump, 3), encode(Op::PushInt, 0),
                                      encode(Op::Ret)},
                                     1, 4));
       }},
      {"loops_overlap", "refused", "loops that overlap without nesting",
       [](Program& p) {
         uint32_t c = slot_of(p, "contact.consents");
         run_as_rule(p, add_function(p,
                                     {encode(Op::LoadSlot, c), encode(Op::IterBegin, 0), 17,    // 0, 1
                                      encode(Op::LoadSlot, c), encode(Op::IterBegin, 4), 17,    // 3, 4
                                      encode(Op::IterNext, 0), iter_operand(11, 7),             // 6: X
                                      encode(Op::IterNext, 4), iter_operand(15, 7),             // 8: Y
                                      encode(Op::Jump, 6),                                      // 10
                                      encode(Op::LoadSlot, c), encode(Op::IterBegin, 0), 17,    // 11, 12
                                      encode(Op::Jump, 8),                                      // 14
                                      encode(Op::PushInt, 0), encode(Op::Ret), encode(Op::Ret)},  // 15, 16, 17
                                     1, 8));
       }},
      {"loop_index_overwritten", "refused", "StoreLocal overwrites the state of a loop",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         p.code[find(p, fn, Op::StoreLocal)] = encode(Op::StoreLocal, 1);
       }},
      // ------------------------------------------------------------ the stack
      {"stack_underflow", "refused", "needs 2 values but the stack holds 1",
       [](Program& p) {
         uint32_t fn = fn_of_rule(p, "consented");
         p.code[find(p, fn, Op::LoadSlot)] = encode(Op::Not);
       }},
      {"stacks_differ_where_paths_join", "refused", "paths reach",
       [](Program& p) {
         uint32_t fn = fn_of_rule(p, "consented");
         p.code[find(p, fn, Op::InStrSet)] = encode(Op::PushInt, 1);
         p.functions[fn].max_stack = 8;
       }},
      {"stack_larger_than_declared", "refused", "the stack grows past its declared size",
       [](Program& p) { p.functions[fn_of_rule(p, "many")].max_stack = 1; }},
      {"two_values_at_return", "refused", "Ret with 2 values",
       [](Program& p) {
         run_as_rule(p, add_function(p, {encode(Op::PushInt, 1), encode(Op::PushInt, 1), encode(Op::Ret)}, 2, 0));
       }},
      {"runs_off_the_end", "refused", "runs off the end of its function",
       [](Program& p) {
         uint32_t fn = fn_of_rule(p, "objection");
         p.code[p.functions[fn].end - 1] = encode(Op::Not);
       }},
      // ------------------------------------------------------------ indices
      {"constant_out_of_range", "refused", "names constant 999",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "many"), Op::PushConst)] = encode(Op::PushConst, 999); }},
      {"slot_out_of_range", "refused", "outside the facts",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "objection"), Op::LoadSlot)] = encode(Op::LoadSlot, 100000); }},
      {"local_out_of_range", "refused", "uses local 99",
       [](Program& p) {
         p.code[find(p, fn_of_let(p, "mal.sample.named"), Op::LoadLocal)] = encode(Op::LoadLocal, 99);
       }},
      {"definition_out_of_range", "refused", "names definition 77",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "consented"), Op::Let)] = encode(Op::Let, 77); }},
      {"string_set_out_of_range", "refused", "names string set 5",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "consented"), Op::InStrSet)] = encode(Op::InStrSet, 5); }},
      {"builtin_out_of_range", "refused", "no builtin has number 200",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "consented"), Op::InStrSet)] = encode(Op::Builtin, 200); }},
      {"unknown_instruction", "refused", "no instruction has code 254",
       [](Program& p) { p.code[find(p, fn_of_rule(p, "consented"), Op::And)] = 0xfe; }},
      {"rule_condition_out_of_range", "refused", "refers to something that does not exist",
       [](Program& p) { p.decisions[0].rules[1].cond = 999; }},
      {"rule_name_out_of_range", "refused", "refers to something that does not exist",
       [](Program& p) { p.decisions[0].rules[1].name = 99999; }},
      {"basis_out_of_range", "refused", "a basis that does not exist", [](Program& p) { p.decisions[0].rules[1].basis = 60; }},
      {"route_to_no_policy", "refused", "a route refers to something that does not exist",
       [](Program& p) { p.routes.push_back(Route{0, 5}); }},
      {"as_of_not_a_fact", "refused", "the `as of` date is not a fact slot", [](Program& p) { p.schema.as_of_path = 999; }},
      {"string_not_utf8", "refused", "is not valid UTF-8", [](Program& p) { p.strings[1] = "caf\xe9"; }},
      // A run-time error names the rule's file, and the message goes into a JSON
      // record (found by the lawc fuzzer).
      {"file_name_not_utf8", "refused", "file name 0 is not valid UTF-8", [](Program& p) { p.files[0] = "caf\xe9.law"; }},
      // ------------------------------------------------------------ definitions and metadata
      {"definition_calls_itself", "refused", "call each other in a circle",
       [](Program& p) {
         uint32_t fn = add_function(p, {encode(Op::Let, 0), encode(Op::Ret)}, 1, 0);
         p.lets[0].fn = fn;
       }},
      // 100000 definitions, each calling the next: recursion without a bound would
      // overflow the verifier's and the VM's stacks.
      {"definitions_100000_deep", "refused", "definitions call each other more than 64 deep",
       [](Program& p) {
         uint32_t first = static_cast<uint32_t>(p.lets.size());
         for (uint32_t i = 0; i < 100000; ++i) {
           uint32_t fn = i + 1 < 100000 ? add_function(p, {encode(Op::Let, first + i + 1), encode(Op::Ret)}, 1, 0)
                                        : add_function(p, {encode(Op::PushInt, 1), encode(Op::Ret)}, 1, 0);
           p.lets.push_back(LetInfo{0, fn});
         }
         run_as_rule(p, add_function(p, {encode(Op::Let, first), encode(Op::Ret)}, 1, 0));
       }},
      // Each frame within the limits, the chain of them 40 times the VM's stack limit.
      {"frames_too_large", "refused", "need more than 1048576 stack values",
       [](Program& p) {
         uint32_t first = static_cast<uint32_t>(p.lets.size());
         for (uint32_t i = 0; i < 40; ++i) {
           uint32_t fn = i + 1 < 40 ? add_function(p, {encode(Op::Let, first + i + 1), encode(Op::Ret)}, 4096, 65536)
                                    : add_function(p, {encode(Op::PushInt, 1), encode(Op::Ret)}, 1, 65536);
           p.lets.push_back(LetInfo{0, fn});
         }
         run_as_rule(p, add_function(p, {encode(Op::Let, first), encode(Op::Ret)}, 1, 0));
       }},
      {"functions_overlap", "refused", "overlaps the function before it",
       [](Program& p) { p.functions[1].begin = p.functions[0].begin; }},
      {"overrides_in_a_circle", "refused", "override each other in a circle",
       [](Program& p) { p.decisions[0].rules[0].overrides.push_back(3); }},
      {"obligation_for_a_rule_that_does_not_exist", "refused", "is for a rule that does not exist",
       [](Program& p) {
         ObligeInfo o;
         o.rules.push_back(static_cast<uint32_t>(p.decisions[0].rules.size()));
         p.decisions[0].obliges.push_back(o);
       }},
      {"too_many_rules", "refused", "has more than 1024 rules",
       [](Program& p) {
         while (p.decisions[0].rules.size() <= 1024) p.decisions[0].rules.push_back(p.decisions[0].rules[0]);
       }},
      // ------------------------------------------------------------ the schema
      {"root_names_no_record", "refused", "names no record", [](Program& p) { p.schema.roots[0].record = 500; }},
      {"root_moved", "refused", "is not where the layout puts it", [](Program& p) { p.schema.roots[1].base += 1; }},
      {"record_holds_a_list_of_itself", "refused", "contains a list of itself",
       [](Program& p) {
         Schema& s = p.schema;
         int consent = s.find_record("Consent");
         s.types.push_back({TypeKind::Record, static_cast<uint32_t>(consent)});
         s.types.push_back({TypeKind::List, static_cast<uint32_t>(s.types.size() - 1)});
         for (FieldDef& f : s.records[static_cast<size_t>(consent)].fields)
           if (f.name == "third_parties") f.type = static_cast<TypeId>(s.types.size() - 1);
       }},
      {"too_many_records", "refused", "more types, enumerations, records or roots than the limits allow",
       [](Program& p) {
         for (int i = 0; i < 1100; ++i) p.schema.records.push_back(RecordDef{"R" + std::to_string(i), {}, 0});
       }},
      // ------------------------------------------------------------ forged values
      // A number where a list belongs: the loop would read far outside the facts.
      {"forged_list", "error", "a list reference is out of range",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         uint32_t k = add_const(p, make_list(0x7fffff00u, 1000));
         p.code[find(p, fn, Op::LoadSlot)] = encode(Op::PushConst, k);
       }},
      // A number where a record belongs: LoadField would read outside the facts.
      {"forged_record", "error", "a record reference is out of range",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         uint32_t k = add_const(p, int64_t{1} << 40);
         p.code[find(p, fn, Op::LoadLocal)] = encode(Op::PushConst, k);
       }},
      // A list for `in` that points past the facts.
      {"forged_list_for_in", "error", "a list reference is out of range",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.named");
         uint32_t k = add_const(p, -make_list(0x7fffff00u, 1000));
         p.code[find(p, fn, Op::LoadLocal)] = encode(Op::PushConst, k);
         p.code[find(p, fn, Op::LoadField)] = encode(Op::Neg);
       }},
      // A count that starts at the top of the integers: counting on would wrap.
      {"forged_count", "error", "arithmetic overflow",
       [](Program& p) {
         uint32_t fn = fn_of_let(p, "mal.sample.how_many");
         uint32_t k = add_const(p, INT64_MAX);
         p.code[find(p, fn, Op::PushInt)] = encode(Op::PushConst, k);
       }},
      // A duration of two billion months. The error names the expression that failed
      // (line 12, `campaign.send_date + 1 year`) from the code span table...
      {"forged_duration", "error", "a date outside the years 1 to 9999 in rule 'many' (sample.law:12:27; bytecode",
       [](Program& p) { p.consts[0] = make_duration(INT32_MAX, 0); }},
      // ... which a file of format 1 does not have: it loads, and names the rule.
      {"forged_duration_format_1", "error", "a date outside the years 1 to 9999 in rule 'many' (sample.law:11:8; bytecode",
       [](Program& p) { p.consts[0] = make_duration(INT32_MAX, 0); }, nullptr, 1},
      {"format_1", "decides", "\"verdict\"", nullptr, nullptr, 1},
      // ------------------------------------------------------------ code spans
      {"code_span_past_the_code", "refused", "past the code",
       [](Program& p) { p.code_spans.push_back({static_cast<uint32_t>(p.code.size()) + 7, p.code_spans[0].pos}); }},
      {"code_spans_out_of_order", "refused", "is not after the one before it",
       [](Program& p) { std::swap(p.code_spans[1], p.code_spans[2]); }},
      {"code_span_names_no_file", "refused", "names a file or range that does not exist",
       [](Program& p) { p.code_spans[3].pos.file = 9; }},
      // A number where a string belongs: read as the empty string, nothing worse.
      {"forged_string", "decides", "\"verdict\"",
       [](Program& p) {
         uint32_t fn = fn_of_rule(p, "consented");
         uint32_t k = add_const(p, 123456789);
         p.code[find(p, fn, Op::LoadSlot)] = encode(Op::PushConst, k);
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::fprintf(stderr, "usage: lawful_make_malicious OUT_DIR\n");
    return 2;
  }
  fs::path out(argv[1]);
  fs::create_directories(out);
  Compilation c = compile_sources({SourceFile{"sample.law", kSample}});
  if (!c.ok()) {
    std::fputs(c.diags.render(c.sources).c_str(), stderr);
    return 1;
  }
  std::string manifest;
  int written = 0;
  for (const Case& k : cases()) {
    Program p = *c.program;
    if (k.damage) k.damage(p);
    std::string bytes = serialize_program(p, k.version);
    if (k.damage_bytes) k.damage_bytes(bytes);
    std::string file = std::string(k.name) + ".lawc";
    std::FILE* f = std::fopen((out / file).string().c_str(), "wb");
    if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s\n", file.c_str());
      return 1;
    }
    manifest += file + "\t" + k.expect + "\t" + k.says + "\n";
    ++written;
  }
  std::FILE* m = std::fopen((out / "manifest.tsv").string().c_str(), "wb");
  if (!m) return 1;
  std::fputs(manifest.c_str(), m);
  std::fclose(m);
  std::printf("wrote %d files to %s\n", written, out.string().c_str());
  return 0;
}
