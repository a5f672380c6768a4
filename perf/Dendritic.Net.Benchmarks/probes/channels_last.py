# Would channels-last (NHWC) memory make the CPU convolution cells faster? (issue 19 suggests trying it.)
# One dendrite layer's work on the two CPU convolution shapes, written with plain PyTorch in one process:
# host call, D separate dendrite calls, y = host + sum_k u_k sigmoid(pre_k) (the cascade's v terms left out: they are
# element-wise and the same in every layout). Variants, timed in turn within each round (order rotating):
#   nchw   - everything in PyTorch's default layout (what our layer and the original run today);
#   nhwc   - input and every weight channels-last (what a user whose model is channels-last would have);
#   mixed  - host in NCHW (so that the host output stays bit-exact with the plain layer), the input converted once to
#            channels-last for the D dendrite calls, whose outputs are then added to the NCHW host output.
# Prints one JSON line per (case, D, variant): median ms of the training step (gradients set to none, forward,
# sum().backward()) and of no_grad inference over the rounds.
# Usage: OMP_NUM_THREADS=2 taskset -c 0,1 python3 channels_last.py [rounds] [D list]
import json, statistics, sys, time
import torch
import torch.nn as nn

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
dlist = [int(d) for d in (sys.argv[2] if len(sys.argv) > 2 else "1,2,4").split(",")]
CASES = {"Conv2d small": (64, 64, 32), "Conv2d large": (128, 64, 16)}  # channels, batch, side
CL = torch.channels_last


def layer(channels, sets, fmt):
    convs = [nn.Conv2d(channels, channels, 3, padding=1) for _ in range(sets + 1)]
    u = [nn.Parameter(torch.full((channels, 1, 1), 0.1)) for _ in range(sets)]
    if fmt == "nhwc":
        convs = [c.to(memory_format=CL) for c in convs]
    elif fmt == "mixed":
        convs = convs[:1] + [c.to(memory_format=CL) for c in convs[1:]]
    return convs, u


def forward(convs, u, x, fmt):
    out = convs[0](x)
    xd = x.contiguous(memory_format=CL) if fmt == "mixed" else x
    for k, conv in enumerate(convs[1:]):
        out = out + u[k] * torch.sigmoid(conv(xd))
    return out


def timed(step):
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


torch.manual_seed(0)
for name, (channels, batch, side) in CASES.items():
    x = torch.randn(batch, channels, side, side)
    xl = x.contiguous(memory_format=CL)
    for d in dlist:
        variants = {}
        for fmt in ("nchw", "nhwc", "mixed"):
            convs, u = layer(channels, d, fmt)
            params = [p for c in convs for p in c.parameters()] + u
            inp = xl if fmt == "nhwc" else x

            def train(convs=convs, u=u, inp=inp, fmt=fmt, params=params):
                for p in params:
                    p.grad = None
                forward(convs, u, inp, fmt).sum().backward()

            def infer(convs=convs, u=u, inp=inp, fmt=fmt):
                with torch.no_grad():
                    forward(convs, u, inp, fmt)

            variants[fmt] = (train, infer, {"train": [], "infer": []})
        for _, (train, infer, _) in variants.items():
            train(); infer()
        names = list(variants)
        for r in range(rounds):
            for i in range(len(names)):
                train, infer, times = variants[names[(i + r) % len(names)]]
                times["train"].append(timed(train))
                times["infer"].append(timed(infer))
        for fmt, (_, _, times) in variants.items():
            print(json.dumps({"case": name, "dendrites": d, "variant": fmt, "torch": torch.__version__,
                              "threads": torch.get_num_threads(), "rounds": rounds,
                              "ms_train": round(statistics.median(times["train"]), 2),
                              "ms_infer": round(statistics.median(times["infer"]), 2)}), flush=True)
