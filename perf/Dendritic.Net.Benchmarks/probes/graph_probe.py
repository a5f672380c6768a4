# Probe (issue 10): how far would capturing the training step as a CUDA graph take the dispatch-bound small layers?
# Times, on one GPU, the plain layer's forward+backward and a dendrite layer's (host call, one fused projection of the
# D sets, the cascade in PyTorch element-wise ops: more memory traffic than our fused kernel, so an upper bound) both
# eagerly and replayed from a CUDA graph. Also lists the libtorch symbols a C# capture would need.
# Run: python3 perf/Dendritic.Net.Benchmarks/probes/graph_probe.py
import os, statistics, subprocess, torch, torch.nn as nn, torch.nn.functional as F

def median_ms(fn, iters=60, warm=10):
    for _ in range(warm): fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(iters):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); torch.cuda.synchronize(); ts.append(s.elapsed_time(e))
    return statistics.median(ts)

def graphed(step, params):
    side = torch.cuda.Stream(); side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            for p in params: p.grad = None
            step()
    torch.cuda.current_stream().wait_stream(side)
    for p in params: p.grad = None
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g): step()
    return g.replay

class Dend(nn.Module):
    def __init__(self, host, d, conv):
        super().__init__()
        self.host, self.d, self.conv = host, d, conv
        w = host.weight
        self.wd = nn.Parameter(torch.randn(d * w.shape[0], *w.shape[1:], device=w.device, dtype=w.dtype) * 0.01)
        shape = (d, w.shape[0]) + ((1, 1) if conv else ())
        self.u = nn.Parameter(torch.randn(shape, device=w.device, dtype=w.dtype) * 0.1)
        self.v = nn.Parameter(torch.randn((d, d) + shape[1:], device=w.device, dtype=w.dtype) * 0.1)
    def forward(self, x):
        y = self.host(x)
        pre = F.conv2d(x, self.wd, padding=1) if self.conv else F.linear(x, self.wd)
        parts = pre.chunk(self.d, dim=1 if self.conv else -1)
        acts = []
        for k in range(self.d):
            z = parts[k]
            for i in range(k): z = z + self.v[k, i] * acts[i]
            a = torch.sigmoid(z); acts.append(a); y = y + self.u[k] * a
        return y

cases = [("Linear small", lambda: nn.Linear(1024, 1024), (4096, 1024), False),
         ("Conv2d small", lambda: nn.Conv2d(64, 64, 3, padding=1), (64, 64, 32, 32), True)]
print("case | dtype | D | plain eager | plain graph | dend eager | dend graph | graph ratio | over (1+D)")
for name, make, shape, conv in cases:
    for dtype in (torch.float32, torch.bfloat16):
        torch.manual_seed(0)
        x = torch.randn(*shape, device="cuda", dtype=dtype)
        plain = make().to("cuda", dtype)
        gy = torch.randn_like(plain(x))
        def step_of(m):
            def step(): m(x).backward(gy)
            return step
        pp = list(plain.parameters())
        pe = median_ms(lambda: (step_of(plain)(), [setattr(p, "grad", None) for p in pp]))
        pg = median_ms(graphed(step_of(plain), pp))
        for d in (1, 2, 4):
            dm = Dend(make().to("cuda", dtype), d, conv)
            dp = list(dm.parameters())
            de = median_ms(lambda: (step_of(dm)(), [setattr(p, "grad", None) for p in dp]))
            dg = median_ms(graphed(step_of(dm), dp))
            print(f"{name} | {str(dtype)[6:]} | {d} | {pe:.3f} | {pg:.3f} | {de:.3f} | {dg:.3f} | {dg/pg:.2f} | {dg/pg/(1+d):.2f}", flush=True)

lib = os.path.join(os.path.dirname(torch.__file__), "lib")
for so in ("libtorch_cuda.so", "libc10_cuda.so"):
    try: out = subprocess.run(["nm", "-D", "--defined-only", os.path.join(lib, so)], capture_output=True, text=True).stdout
    except FileNotFoundError: out = ""
    for line in out.splitlines():
        if any(k in line for k in ("CUDAGraph", "getStreamFromPool", "setCurrentCUDAStream", "getCurrentCUDAStream", "CUDAStream6stream")):
            print(so, line.split()[-1])
print("torch", torch.__version__)
import ctypes
names = ["_ZN2at4cuda9CUDAGraphC1Eb", "_ZN2at4cuda9CUDAGraphC1Ev", "_ZN2at4cuda9CUDAGraphD1Ev",
         "_ZN2at4cuda9CUDAGraph13capture_beginESt4pairIyyE21cudaStreamCaptureMode", "_ZN2at4cuda9CUDAGraph11capture_endEv",
         "_ZN2at4cuda9CUDAGraph6replayEv", "_ZN2at4cuda9CUDAGraph5resetEv", "_ZN3c104cuda17getStreamFromPoolEba",
         "_ZN3c104cuda17getStreamFromPoolEia", "_ZN3c104cuda20setCurrentCUDAStreamENS0_10CUDAStreamE",
         "_ZN3c104cuda20getCurrentCUDAStreamEa", "_ZNK3c104cuda10CUDAStream6streamEv"]
for so in ("libtorch_cuda.so", "libc10_cuda.so"):
    h = ctypes.CDLL(os.path.join(lib, so))
    for n in names:
        try: getattr(h, n); print("found", so, n)
        except AttributeError: pass
