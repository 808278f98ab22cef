// The native back end with LLVM; see jit.h.
//
// One LLJIT per compiled program: the module of translate.cpp, optimised with LLVM's
// default pipeline at the chosen level, compiled for the host and linked in memory by
// ORC's default object layer (RuntimeDyld with SectionMemoryManager on Linux), which
// writes code into read-write pages and then makes them read-execute: no page is
// writable and executable at once (tests/jit checks /proc/self/maps).
#include "runtime/jit/jit.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include "runtime/bytecode/verifier.h"
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
    // the branches folded.
    mpm.addPass(llvm::AlwaysInlinerPass());
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::SROAPass());
    fpm.addPass(llvm::EarlyCSEPass());
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  } else {
    mpm = pb.buildPerModuleDefaultPipeline(level(o));
  }
  mpm.run(m, mam);
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
  for (const auto& set : prog.string_sets) {
    SortedSet texts;
    for (uint32_t s : set) texts.emplace_back(prog.strings[s]);
    std::sort(texts.begin(), texts.end());
    impl.sets.push_back(std::move(texts));
  }
  const int o = std::clamp(opt.opt_level, 0, 3);
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = "the native back end cannot target this machine: " + message(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(codegen_level(o));
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
  error = translate(prog, impl.sets, heights, *module);
  if (!error.empty()) return nullptr;
  code->stats_.translate_ms = ms_since(t0);
  code->stats_.functions = static_cast<uint32_t>(prog.functions.size());
  code->stats_.code_words = static_cast<uint32_t>(prog.code.size());

  t0 = std::chrono::steady_clock::now();
  optimize(*module, **tm, o);
  code->stats_.optimize_ms = ms_since(t0);

  t0 = std::chrono::steady_clock::now();
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) {
    error = "the native back end cannot start LLVM's JIT: " + message(jit.takeError());
    return nullptr;
  }
  impl.jit = std::move(*jit);
  if (llvm::Error e = impl.jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx)))) {
    error = "the native back end cannot add its module: " + message(std::move(e));
    return nullptr;
  }
  auto table = impl.jit->lookup(kTableName);
  if (!table) {
    error = "the native back end cannot compile the program: " + message(table.takeError());
    return nullptr;
  }
  code->stats_.codegen_ms = ms_since(t0);
  const auto* fns = reinterpret_cast<const NativeFn*>(static_cast<uintptr_t>(table->getAddress()));
  code->fns_.assign(fns, fns + prog.functions.size() + prog.decisions.size());
  return code;
}

}  // namespace lawful::jit
