// The native back end with LLVM; see jit.h.
//
// One LLJIT per compiled program: the module of translate.cpp, optimised with LLVM's
// default pipeline at the chosen level, compiled for the host to an object in memory, and
// linked in memory by ORC's default object layer (RuntimeDyld with SectionMemoryManager
// on Linux), which writes code into read-write pages and then makes them read-execute: no
// page is writable and executable at once (tests/jit checks /proc/self/maps).
//
// The machine-code cache (runtime/jit/README.md): the object is what is kept, so that a
// program asked for again is linked without LLVM compiling anything. An object that is
// to be reused by another process may not hold an address of this one: before the IR is
// optimised, every constant address translate.cpp put into it that lies in this image
// (the helpers, the error texts) or in the program's string sets is rewritten as an offset
// from one of two symbols, `lawful_image` and `lawful_sets`, which the link defines for
// the process at hand. Whatever else looks like an address of this process leaves the
// code working here but never cached. Cached or not, the code is made and linked the same
// way, so a hit runs the very code a miss would have made.
#include "runtime/jit/jit.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/CorrelatedValuePropagation.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/JumpThreading.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include "runtime/bytecode/serialize.h"
#include "runtime/bytecode/verifier.h"
#include "runtime/io/cache_entry.h"
#include "runtime/jit/image.h"
#include "runtime/jit/jit_abi.h"
#include "runtime/jit/translate.h"

namespace lawful::jit {

struct Code::Impl {
  std::vector<SortedSet> sets;  // read by the code in place
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

bool available() { return true; }
const char* unavailable_reason() { return ""; }

Code::~Code() = default;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

llvm::OptimizationLevel level(int o) {
  switch (o) {
    case 0: return llvm::OptimizationLevel::O0;
    case 1: return llvm::OptimizationLevel::O1;
    case 3: return llvm::OptimizationLevel::O3;
    default: return llvm::OptimizationLevel::O2;
  }
}

llvm::CodeGenOpt::Level codegen_level(int o) {
  switch (o) {
    case 0: return llvm::CodeGenOpt::None;
    case 1: return llvm::CodeGenOpt::Less;
    case 3: return llvm::CodeGenOpt::Aggressive;
    default: return llvm::CodeGenOpt::Default;
  }
}

void optimize(llvm::Module& m, llvm::TargetMachine& tm, int o) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (o == 0) {
    mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
  } else if (o == 1) {
    // The few passes that matter for this code: a decision's rule and obligation
    // conditions into its function (their calls are marked alwaysinline), then function
    // by function the stack and the locals into registers, the three-valued selects and
    // the branches folded; then the tests that a short-circuit `and`/`or` repeats at
    // its join (the value it jumped with is known on each edge) threaded away, and
    // folded again (docs/performance.md: 5% fewer instructions a decision, no measurable
    // compile time).
    mpm.addPass(llvm::AlwaysInlinerPass());
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::SROAPass());
    fpm.addPass(llvm::EarlyCSEPass());
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
    fpm.addPass(llvm::JumpThreadingPass());
    fpm.addPass(llvm::CorrelatedValuePropagationPass());
    fpm.addPass(llvm::SimplifyCFGPass());
    fpm.addPass(llvm::InstCombinePass());
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  } else {
    mpm = pb.buildPerModuleDefaultPipeline(level(o));
  }
  mpm.run(m, mam);
}

// ---------------------------------------------------------------- addresses

constexpr const char* kImageSymbol = "lawful_image";
constexpr const char* kSetsSymbol = "lawful_sets";

struct Anchor {
  const char* symbol;
  uintptr_t base, lo, hi;  // an address in [lo, hi) becomes symbol + (address - base)
};

// Every constant the module's instructions and global initialisers use, through
// constant expressions (not the globals and functions themselves).
std::vector<llvm::Constant*> constants_of(llvm::Module& m) {
  std::set<llvm::Constant*> seen;
  std::vector<llvm::Constant*> stack, all;
  auto operands = [&](llvm::User& u) {
    for (llvm::Value* v : u.operands())
      if (auto* c = llvm::dyn_cast<llvm::Constant>(v); c && !llvm::isa<llvm::GlobalValue>(c)) stack.push_back(c);
  };
  for (llvm::Function& f : m)
    for (llvm::BasicBlock& bb : f)
      for (llvm::Instruction& ins : bb) operands(ins);
  for (llvm::GlobalVariable& g : m.globals())
    if (g.hasInitializer()) stack.push_back(g.getInitializer());
  while (!stack.empty()) {
    llvm::Constant* c = stack.back();
    stack.pop_back();
    if (!seen.insert(c).second) continue;
    all.push_back(c);
    operands(*c);
  }
  return all;
}

// Rewrites the module's constant addresses that lie in an anchor's range as offsets from
// the anchor's symbol (an external object of unknown size, defined at link time). True
// when nothing else in the module looks like an address of this process, so that the
// object made from it may be linked in another process.
bool make_relocatable(llvm::Module& m, const std::vector<Anchor>& anchors) {
  llvm::LLVMContext& ctx = m.getContext();
  auto* i8 = llvm::Type::getInt8Ty(ctx);
  auto* i64 = llvm::Type::getInt64Ty(ctx);
  std::vector<llvm::Constant*> symbols(anchors.size(), nullptr);
  std::vector<llvm::ConstantExpr*> casts;  // inttoptr of an integer constant
  for (llvm::Constant* c : constants_of(m)) {
    auto* ce = llvm::dyn_cast<llvm::ConstantExpr>(c);
    if (ce && ce->getOpcode() == llvm::Instruction::IntToPtr && llvm::isa<llvm::ConstantInt>(ce->getOperand(0)))
      casts.push_back(ce);
  }
  for (llvm::ConstantExpr* ce : casts) {
    const uint64_t a = llvm::cast<llvm::ConstantInt>(ce->getOperand(0))->getZExtValue();
    for (size_t k = 0; k < anchors.size(); ++k) {
      if (a < anchors[k].lo || a >= anchors[k].hi) continue;
      if (!symbols[k])
        symbols[k] = new llvm::GlobalVariable(m, i8, true, llvm::GlobalValue::ExternalLinkage, nullptr, anchors[k].symbol);
      llvm::Constant* at = llvm::ConstantExpr::getGetElementPtr(
          i8, symbols[k], llvm::ConstantInt::get(i64, static_cast<uint64_t>(a - anchors[k].base)));
      ce->replaceAllUsesWith(llvm::ConstantExpr::getPointerCast(at, ce->getType()));
      break;
    }
  }
  // What is left (looked for afresh: the rewriting replaced constants that used these):
  // any integer constant that falls in this process's mapped memory.
  const auto ranges = mapped_ranges();
  auto mapped = [&](uint64_t v) {
    return std::any_of(ranges.begin(), ranges.end(), [v](const auto& r) { return v >= r.first && v < r.second; });
  };
  for (llvm::Constant* c : constants_of(m)) {
    if (auto* i = llvm::dyn_cast<llvm::ConstantInt>(c)) {
      if (i->getBitWidth() == 64 && mapped(i->getZExtValue())) return false;
    } else if (auto* d = llvm::dyn_cast<llvm::ConstantDataSequential>(c)) {
      if (d->getElementType()->isIntegerTy(64))
        for (unsigned k = 0; k < d->getNumElements(); ++k)
          if (mapped(d->getElementAsInteger(k))) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- the cache's entries

// An entry: this header, then the object file.
//   LAWFUL-JIT 1 <key>\n<the program's hash>\n<the object's length> <its hash>\n
constexpr std::string_view kMagic = "LAWFUL-JIT 1 ";
constexpr size_t kMaxObject = size_t{64} << 20;
// The folder's .jit entries are kept to this many bytes in all: past it, after a write,
// the least recently used go (a hit marks its entry used).
constexpr uint64_t kMaxCacheBytes = uint64_t{256} << 20;

std::string hash_of(std::string_view bytes, const char* what) {
  io::KeyHash h;
  h.add(what);
  h.add(bytes);
  return h.hex();
}

// Everything that changes the machine code made from one program.
std::string cache_key(const std::string& program_hash, const llvm::orc::JITTargetMachineBuilder& jtmb, int o) {
  io::KeyHash h;
  h.add("lawful machine-code cache 1");
  h.add(program_hash);
  h.add(LAWFUL_JIT_ABI);
  h.add(this_image().identity);
  h.add(LLVM_VERSION_STRING);
  h.add(jtmb.getTargetTriple().str());
  h.add(jtmb.getCPU());
  h.add(jtmb.getFeatures().getString());
  h.add(std::to_string(o));
  return h.hex();
}

std::string entry_header(const std::string& key, const std::string& program_hash, std::string_view object) {
  return fmt::format("{}{}\n{}\n{} {}\n", kMagic, key, program_hash, object.size(), hash_of(object, "object"));
}

// The object in an entry made for `key` and `program_hash`, whole; "" when it is not.
std::string_view entry_object(std::string_view bytes, const std::string& key, const std::string& program_hash) {
  size_t nl = bytes.find('\n');
  nl = nl == std::string_view::npos ? nl : bytes.find('\n', nl + 1);
  nl = nl == std::string_view::npos ? nl : bytes.find('\n', nl + 1);
  if (nl == std::string_view::npos) return {};
  std::string_view object = bytes.substr(nl + 1);
  if (bytes.substr(0, nl + 1) != entry_header(key, program_hash, object)) return {};
  return object;
}

// Whether `object` is a relocatable ELF object for this host that defines the table of
// `functions` functions and needs nothing but the two anchors: "" or why not.
std::string check_object(const llvm::MemoryBuffer& object, const llvm::Triple& host, size_t entries) {
  auto file = llvm::object::ObjectFile::createObjectFile(object.getMemBufferRef());
  if (!file) return "not an object file: " + message(file.takeError());
  const auto* elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(file->get());
  if (!elf || (*file)->getArch() != host.getArch() || !elf->isRelocatableObject()) return "an object for another machine";
  bool table = false;
  for (const llvm::object::SymbolRef& sym : (*file)->symbols()) {
    auto name = sym.getName();
    auto flags = sym.getFlags();
    if (!name || !flags) return "its symbols cannot be read";
    if (*flags & llvm::object::SymbolRef::SF_Undefined) {
      if (!name->empty() && *name != kImageSymbol && *name != kSetsSymbol) return "it needs " + name->str();
    } else if (*name == kTableName) {
      table = llvm::object::ELFSymbolRef(sym).getSize() == entries * sizeof(void*);
    }
  }
  return table ? std::string() : "its table is not this program's";
}

// Marks a hit entry as used (its time), for the least-recently-used pruning.
void touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, AT_SYMLINK_NOFOLLOW); }

// Keeps the folder's .jit entries within kMaxCacheBytes, the least recently used going
// first (never `keep`). Entries other processes remove meanwhile are skipped.
void prune(const std::string& dir, const std::string& keep) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  struct Entry {
    timespec used;
    uint64_t bytes;
    std::string path;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() < 4 || name.substr(name.size() - 4) != ".jit") continue;
    std::string path = dir + "/" + e->d_name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    entries.push_back({st.st_mtim, static_cast<uint64_t>(st.st_size), path});
    total += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(d);
  if (total <= kMaxCacheBytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec : a.used.tv_nsec < b.used.tv_nsec;
  });
  for (const Entry& e : entries) {
    if (total <= kMaxCacheBytes) break;
    if (e.path == keep) continue;
    if (::unlink(e.path.c_str()) == 0 || errno == ENOENT) total -= e.bytes;
  }
}

}  // namespace


namespace {

// Links `object` into a new LLJIT with the anchors defined for this process, and reads
// the table of functions: "" or why not.
std::string link(Code::Impl& impl, llvm::orc::JITTargetMachineBuilder jtmb, std::unique_ptr<llvm::MemoryBuffer> object,
                 size_t functions, std::vector<NativeFn>& fns) {
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(jtmb)).create();
  if (!jit) return "the native back end cannot start LLVM's JIT: " + message(jit.takeError());
  impl.jit = std::move(*jit);
  llvm::orc::SymbolMap anchors;
  anchors[impl.jit->mangleAndIntern(kImageSymbol)] =
      llvm::JITEvaluatedSymbol(this_image().base, llvm::JITSymbolFlags::Exported);
  anchors[impl.jit->mangleAndIntern(kSetsSymbol)] = llvm::JITEvaluatedSymbol(
      static_cast<llvm::JITTargetAddress>(reinterpret_cast<uintptr_t>(impl.sets.data())), llvm::JITSymbolFlags::Exported);
  if (llvm::Error e = impl.jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(anchors))))
    return "the native back end cannot link its code: " + message(std::move(e));
  if (llvm::Error e = impl.jit->addObjectFile(std::move(object)))
    return "the native back end cannot add its code: " + message(std::move(e));
  auto table = impl.jit->lookup(kTableName);
  if (!table) return "the native back end cannot link its code: " + message(table.takeError());
  const auto* first = reinterpret_cast<const NativeFn*>(static_cast<uintptr_t>(table->getAddress()));
  fns.assign(first, first + functions);
  return {};
}

}  // namespace

std::unique_ptr<Code> Code::compile(const Program& prog, const Options& opt, std::string& error) {
  static std::once_flag init;
  std::call_once(init, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  std::unique_ptr<Code> code(new Code);
  code->impl_ = std::make_unique<Impl>();
  Impl& impl = *code->impl_;
  Stats& stats = code->stats_;
  for (const auto& set : prog.string_sets) {
    SortedSet texts;
    for (uint32_t s : set) texts.emplace_back(prog.strings[s]);
    std::sort(texts.begin(), texts.end());
    impl.sets.push_back(std::move(texts));
  }
  stats.functions = static_cast<uint32_t>(prog.functions.size());
  stats.code_words = static_cast<uint32_t>(prog.code.size());
  // The table of native functions: the program's functions, then its decisions and its
  // policies compiled whole (translate.cpp, native.h).
  const size_t table = native_table_size(prog);
  const int o = std::clamp(opt.opt_level, 0, 3);
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = "the native back end cannot target this machine: " + message(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(codegen_level(o));

  // The cache: an entry made for this program by this build, for this CPU and level.
  std::string entry, key, program_hash;
  if (!opt.cache_dir.empty() && !opt.probes && !this_image().identity.empty() && io::prepare_cache_dir(opt.cache_dir).empty()) {
    auto t0 = std::chrono::steady_clock::now();
    program_hash = hash_of(serialize_program(prog), "program");
    key = cache_key(program_hash, *jtmb, o);
    entry = fmt::format("{}/{}.jit", opt.cache_dir, key);
    std::string bytes, why;
    switch (io::read_cache_entry(entry, kMaxObject + 4096, bytes, why)) {
      case io::EntryRead::Missing: stats.cache = CacheState::Miss; break;
      case io::EntryRead::Bad: stats.cache = CacheState::Refused; break;
      case io::EntryRead::Good: {
        std::string_view object = entry_object(bytes, key, program_hash);
        // (A copy: LLVM reads an object in place, aligned.)
        auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), "lawful");
        if (!object.empty() && check_object(*buffer, jtmb->getTargetTriple(), table).empty() &&
            link(impl, *jtmb, std::move(buffer), table, code->fns_).empty()) {
          touch(entry);
          stats.cache = CacheState::Hit;
          stats.load_ms = ms_since(t0);
          return code;
        }
        impl.jit.reset();
        stats.cache = CacheState::Refused;
        break;
      }
    }
  }

  if (opt.cache_only) {
    error = kNotCached;
    return nullptr;
  }
  auto tm = jtmb->createTargetMachine();
  if (!tm) {
    error = "the native back end cannot target this machine: " + message(tm.takeError());
    return nullptr;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto module = std::make_unique<llvm::Module>("lawful", *ctx);
  module->setDataLayout((*tm)->createDataLayout());
  module->setTargetTriple((*tm)->getTargetTriple().str());
  // The verifier's stack heights, which the translation follows (and a program it
  // refuses never reaches LLVM, whoever the caller).
  std::vector<int32_t> heights;
  error = verify_program(prog, {}, &heights);
  if (!error.empty()) {
    error = "the bytecode does not verify: " + error;
    return nullptr;
  }
  error = translate(prog, impl.sets, heights, opt.probes, *module);
  if (!error.empty()) return nullptr;
  const Image& image = this_image();
  const auto sets = reinterpret_cast<uintptr_t>(impl.sets.data());
  const bool relocatable = make_relocatable(
      *module, {{kImageSymbol, image.base, image.lo, image.hi},
                {kSetsSymbol, sets, sets, sets + impl.sets.size() * sizeof(SortedSet)}});
  stats.translate_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  optimize(*module, **tm, o);
  stats.optimize_ms = ms_since(t0);
  const char* dump = std::getenv("LAWFUL_JIT_DUMP");  // a path: the optimised IR (.ll) and the object (.o)
  if (dump && *dump) {
    std::error_code ec;
    llvm::raw_fd_ostream ll(std::string(dump) + ".ll", ec);
    if (!ec) module->print(ll, nullptr);
  }

  t0 = std::chrono::steady_clock::now();
  auto object = llvm::orc::SimpleCompiler(**tm)(*module);
  if (!object) {
    error = "the native back end cannot compile the program: " + message(object.takeError());
    return nullptr;
  }
  stats.llvm_compiled = true;
  const std::string_view bytes((*object)->getBufferStart(), (*object)->getBufferSize());
  if (dump && *dump) {
    std::error_code ec;
    llvm::raw_fd_ostream obj(std::string(dump) + ".o", ec);
    if (!ec) obj << bytes;
  }
  if (!entry.empty() && !relocatable) {
    stats.cache = CacheState::Uncacheable;
  } else if (!entry.empty() && bytes.size() <= kMaxObject) {
    std::string data = entry_header(key, program_hash, bytes);
    data += bytes;
    stats.cache_written = io::write_cache_entry(entry, data).empty();
    if (stats.cache_written) prune(opt.cache_dir, entry);
  }
  error = link(impl, std::move(*jtmb), std::move(*object), table, code->fns_);
  if (!error.empty()) return nullptr;
  stats.codegen_ms = ms_since(t0);
  return code;
}

}  // namespace lawful::jit
