# Feeds a scripted validation-score sequence to the original perforatedai 3.0.5 tracker (on a tiny MLP; the
# scores are what decides) and prints, per score: score, restructured, training complete, dendrite sets before and
# after, global best, cycle best (current_best_validation_score), dendrite tries. PerforatedAIRulesTests' expected
# decisions were checked with it. Needs /usr/bin/python3 with torch (see ../shared/anchors/README.md).
#   /usr/bin/python3 samples/Dendritic.Pilot/parity/trace_original.py PKG_DIR SCORES N [MAX_DENDRITES] [MAX_TRIES]
#   e.g. ... /work/pai 50,55,60,60,60,55,55,55,56,56,56,57,57,57 2
import os, sys, tempfile, types
sys.modules.setdefault("rsa", types.ModuleType("rsa"))
pkg, scores, n = sys.argv[1], [float(s) for s in sys.argv[2].split(",")], int(sys.argv[3])
maxd = int(sys.argv[4]) if len(sys.argv) > 4 else 100
tries = int(sys.argv[5]) if len(sys.argv) > 5 else 2
sys.path.insert(0, pkg)
try:
    import safetensors.torch  # noqa: F401
except ImportError:  # Debian has no safetensors package: the anchors' torch.save stand-in
    sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../shared/anchors/_fallback"))
import torch, torch.nn as nn
from perforatedai import globals_perforatedai as GPA, utils_perforatedai as UPA

os.chdir(tempfile.mkdtemp())
GPA.pc.set_testing_dendrite_capacity(False); GPA.pc.set_unwrapped_modules_confirmed(True)
GPA.pc.set_weight_decay_accepted(True); GPA.pc.set_checked_skipped_modules(True)
GPA.pc.set_n_epochs_to_switch(n); GPA.pc.set_max_dendrites(maxd); GPA.pc.set_max_dendrite_tries(tries)
GPA.pc.set_verbose(False); GPA.pc.set_silent(True); GPA.pc.set_test_saves(False)
torch.manual_seed(0)
m = UPA.initialize_pai(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)), save_name="trace", making_graphs=False)
GPA.pai_tracker.set_optimizer(torch.optim.Adam); GPA.pai_tracker.set_scheduler(torch.optim.lr_scheduler.StepLR)
setup = lambda m: GPA.pai_tracker.setup_optimizer(m, {"params": m.parameters(), "lr": 0.003}, {"step_size": 1, "gamma": 1.0})[0]
opt = setup(m)
print("score restructured complete sets_before sets_after global_best cycle_best tries")
for s in scores:
    opt.zero_grad(); m(torch.randn(5, 4)).sum().backward(); opt.step()
    before = GPA.pai_tracker.member_vars["num_dendrites_added"]
    m, restructured, complete = GPA.pai_tracker.add_validation_score(s, m)
    v = GPA.pai_tracker.member_vars
    print(s, int(bool(restructured)), complete, before, v["num_dendrites_added"], v["global_best_validation_score"], v["current_best_validation_score"], v["num_dendrite_tries"])
    if restructured:
        opt = setup(m)
    if complete:
        break
