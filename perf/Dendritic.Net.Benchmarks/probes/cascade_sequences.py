# Which sequence of libtorch operations computes the reference cascade fastest on the CPU? (issue 19)
# Runs the cascade of one dendrite layer (host call, D separate dendrite calls, y = host + sum_k u_k f(D_k x + sum_i
# v_{k,i} a_i)) written several ways, with plain PyTorch in one process, so that the libtorch version and the process
# are the same for every variant. "original" is the op sequence of perforatedai 3.0.5's PAINeuronModule/
# PAIDendriteModule forward (out-of-place products and sums, u expanded to the output's shape); "inplace" is ours
# (DendriteBranch.CombineInPlace: in-place activation and addcmul_). The others mix the two. Same shapes as the
# layer suites' CPU cases and pai_overhead2.py. Prints one JSON line per (case, D, variant): median ms of the training
# step (gradients set to none, forward, sum().backward()) and of no_grad inference, over interleaved rounds, and the
# minor page faults per training step (fresh memory it touched).
# With PAI_DIR set to a folder holding the perforatedai package (as .anchor/ does), the variant "perforatedai" is the
# original's own module, built as ../shared/anchors/pai_overhead2.py builds it, and "plain" is the undecorated layer.
# VARIANTS=name,name limits the variants. The .NET side of the same protocol: `Dendritic.Net.Benchmarks.dll
# cascade-sequences` (our DendriteLayer, Auto and Reference cascades).
# Usage: OMP_NUM_THREADS=2 taskset -c 0,1 python3 cascade_sequences.py [rounds] [D list] [cases]
import json, os, resource, statistics, sys, time, types
import torch
import torch.nn as nn

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
dlist = [int(d) for d in (sys.argv[2] if len(sys.argv) > 2 else "1,2").split(",")]
wanted = (sys.argv[3] if len(sys.argv) > 3 else "Linear small,Linear large,Conv2d small,Conv2d large").split(",")
CASES = {
    "Linear small": (lambda: nn.Linear(1024, 1024), (4096, 1024)),
    "Linear large": (lambda: nn.Linear(2048, 2048), (1024, 2048)),
    "Conv2d small": (lambda: nn.Conv2d(64, 64, 3, padding=1), (64, 64, 32, 32)),
    "Conv2d large": (lambda: nn.Conv2d(128, 128, 3, padding=1), (64, 128, 16, 16)),
}


def cascade(variant, out, pre, u, v, shape, full):
    acts = []
    for k, p in enumerate(pre):
        if variant == "original":
            cur = p
            for i in range(k):
                cur = cur + v[k][i].view(shape) * acts[i]
            a = torch.sigmoid(cur)
            acts.append(a)
            out = out + a * u[k].view(shape).expand(full)
        elif variant == "inplace":
            for i in range(k):
                p.addcmul_(v[k][i].view(shape), acts[i])
            a = p.sigmoid_()
            acts.append(a)
            out = out.addcmul_(u[k].view(shape), a)
        elif variant == "outofplace_addcmul":
            for i in range(k):
                p = p.addcmul(v[k][i].view(shape), acts[i])
            a = p.sigmoid()
            acts.append(a)
            out = out.addcmul(u[k].view(shape), a)
        elif variant == "inplace_mul_add":
            for i in range(k):
                p.add_(acts[i] * v[k][i].view(shape))
            a = p.sigmoid_()
            acts.append(a)
            out = out.add_(a * u[k].view(shape))
        elif variant == "outofplace_mul_add":
            for i in range(k):
                p = p + acts[i] * v[k][i].view(shape)
            a = p.sigmoid()
            acts.append(a)
            out = out + a * u[k].view(shape)
        elif variant == "inplace_act_outofplace_sum":
            for i in range(k):
                p = p + v[k][i].view(shape) * acts[i]
            a = p.sigmoid_()
            acts.append(a)
            out = out + a * u[k].view(shape)
        else:
            raise ValueError(variant)
    return out


VARIANTS = ["original", "inplace", "outofplace_addcmul", "inplace_mul_add", "outofplace_mul_add", "inplace_act_outofplace_sum"]
PAI = None
if os.environ.get("PAI_DIR"):
    sys.modules.setdefault("rsa", types.ModuleType("rsa"))
    sys.path.insert(0, os.environ["PAI_DIR"])
    sys.path.append(os.path.join(os.environ["PAI_DIR"], "_fallback"))
    from perforatedai import globals_perforatedai as GPA, utils_perforatedai as UPA
    GPA.pc.set_testing_dendrite_capacity(False); GPA.pc.set_unwrapped_modules_confirmed(True)
    GPA.pc.set_weight_decay_accepted(True); GPA.pc.set_checked_skipped_modules(True)
    if hasattr(GPA.pc, "set_silent"):
        GPA.pc.set_silent(True)
    os.chdir("/tmp")
    PAI = UPA
    VARIANTS = ["plain", "perforatedai"] + VARIANTS
if os.environ.get("VARIANTS"):
    VARIANTS = [v for v in os.environ["VARIANTS"].split(",") if v in VARIANTS]


def build_pai(make, in_shape, d):
    """The original's dendrite layer with d sets, as pai_overhead2.py builds it."""
    pai = PAI.initialize_pai(nn.Sequential(make()), save_name="PAIprobe", making_graphs=False)
    pai(torch.randn(2, *in_shape[1:])).sum().backward()
    for m in pai.modules():
        if type(m).__name__ == "PAINeuronModule":
            PAI.simulate_cycles(m, 2 * d, True)
    return pai.to("cpu")  # new dendrites go to the original's default device (CUDA where there is one)

print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rounds": rounds}), flush=True)
for name in wanted:
    make, in_shape = CASES[name]
    torch.manual_seed(0)
    x = torch.randn(*in_shape)
    for d in dlist:
        host = make()
        dens = [make() for _ in range(d)]
        out_ch = host.out_features if isinstance(host, nn.Linear) else host.out_channels
        u = [nn.Parameter(torch.randn(out_ch) * 0.01) for _ in range(d)]
        v = [nn.Parameter(torch.randn(max(k, 1), out_ch) * 0.01) for k in range(d)]
        params = list(host.parameters()) + [p for m in dens for p in m.parameters()] + u + v
        shape = (out_ch,) if isinstance(host, nn.Linear) else (out_ch, 1, 1)
        with torch.no_grad():
            full = host(x).shape

        pai = None
        variants = list(VARIANTS)
        if "perforatedai" in variants:
            try:
                pai = build_pai(make, in_shape, d)
                params += list(pai.parameters())
            except Exception as e:  # report and go on with the other variants
                print(json.dumps({"case": name, "dendrites": d, "variant": "perforatedai", "error": f"{type(e).__name__}: {e}"[:300]}), flush=True)
                variants.remove("perforatedai")

        def forward(variant):
            if variant == "plain":
                return host(x)
            if variant == "perforatedai":
                return pai(x)
            return cascade(variant, host(x), [m(x) for m in dens], u, v, shape, full)

        def train(variant):
            for p in params:
                p.grad = None
            forward(variant).sum().backward()

        def infer(variant):
            with torch.no_grad():
                forward(variant)

        times = {var: ([], []) for var in variants}
        faults = {var: [] for var in variants}
        for var in variants:
            train(var)
            infer(var)
        for r in range(rounds):
            for var in variants:  # interleaved, so drift is shared
                for kind, fn in ((0, train), (1, infer)):
                    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                    fn(var)
                    t = time.perf_counter()
                    fn(var)
                    fn(var)
                    times[var][kind].append((time.perf_counter() - t) * 500)
                    if kind == 0:
                        faults[var].append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 3)
        for var in variants:
            print(json.dumps({"case": name, "dendrites": d, "variant": var,
                              "train_ms": round(statistics.median(times[var][0]), 2),
                              "infer_ms": round(statistics.median(times[var][1]), 2),
                              "train_faults": round(statistics.median(faults[var]))}), flush=True)
