// The dendrite cascade of Dendritic.Net, fused: one kernel forward, one backward (plus a small reduction).
// Compiled at run time by NVRTC (CudaModuleCache.cs) with
//   -DCASCADE_D=<sets, 1..8>  -DCASCADE_BF16=<0 float32 storage | 1 bfloat16 storage>  -DCASCADE_ACT=<0 sigmoid | 1 tanh | 2 hardsigmoid>
//   -DCASCADE_BIAS_GRAD=<0 | 1: backward also sums dL/dy and each dL/dp_k per neuron, the gradients of the host's and the
//   sets' biases, which the layer then leaves out of autograd's products (default 0)>
// Storage is float32 or bfloat16, all arithmetic float32. Needs no header: bfloat16 is handled as its bits.
//
// The cascade, per neuron n (docs/concepts.md):  a_0 = f(p_0),  a_k = f(p_k + sum_{i<k} v_k[i] a_i),  y = host + sum_k u_k a_k.
// Forward reads host and p_k once and writes y once. Backward recomputes a_k from p_k (cheaper than saving them: the
// pre-activations are kept by autograd anyway) and writes dL/dp_k once, in any strided layout (the fused projection's
// own, so that its gradient needs no further copy); dL/dhost = dL/dy needs no kernel.
// Per-neuron gradients of u and v are sums over every row and position: each block writes its partial sums to
// partial[slice][r][n] (r = k for u_k, D + k(k-1)/2 + i for v_k[i]; with CASCADE_BIAS_GRAD, R for the host's bias and
// R + 1 + k for set k's) and cascade_reduce adds the slices in order,
// so the result is deterministic (no atomics).
//
// Element (o, n, p): o = outer index (rows; batch for convolutions), n = neuron (output channel), p = inner position.
// Its offset in a tensor is o * Layout.outer + n * Layout.neuron + p (inner positions contiguous).
// Two mappings: "rows" (inner == 1, Linear): a thread per neuron (per two adjacent neurons in the "_pairs" entry
// points), blocks stride over rows; "positions" (convolutions): a block per neuron, its threads stride over rows x
// positions.
// The C# mirror in tests/Dendritic.Net.Cuda.Tests/CascadeMirror.cs follows this file loop for loop, and
// tests/Dendritic.Net.Cuda.Tests/KernelOnCpu/harness.cpp runs this file itself on the CPU (keep it plain C++ + CUDA).

#define D CASCADE_D
#define R (D + D * (D - 1) / 2)
#ifndef CASCADE_BIAS_GRAD
#define CASCADE_BIAS_GRAD 0
#endif
#define RB (R + (CASCADE_BIAS_GRAD ? 1 + D : 0))
#define VN (D > 1 ? D * (D - 1) / 2 : 1)
#define VI(k, i) ((k) * ((k) - 1) / 2 + (i))
#define MAX_SETS 8
#define POSITIONS_BLOCK 256

#if CASCADE_BF16
typedef unsigned short T;
__device__ __forceinline__ float tof(T x) { return __uint_as_float(((unsigned int)x) << 16); }
__device__ __forceinline__ float ld(const T* p, long long i) { return tof(p[i]); }
__device__ __forceinline__ T st(float f)
{
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (T)((u >> 16) | 0x40u); // NaN stays a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                     // round to nearest even, as libtorch
    return (T)(u >> 16);
}
#else
typedef float T;
__device__ __forceinline__ float tof(T x) { return x; }
__device__ __forceinline__ float ld(const T* p, long long i) { return p[i]; }
__device__ __forceinline__ T st(float f) { return f; }
#endif

struct Layout { long long outer; long long neuron; };            // strides in elements
struct Sets { const T* p[MAX_SETS]; };                           // pre-activation of set k
struct GradSets { T* p[MAX_SETS]; };                             // dL/dp_k, written
struct Weights { const T* u[MAX_SETS]; const T* v[MAX_SETS]; };  // u_k: [C]; v_k: [k, C] row-major (v_0 unused)
struct Shape { long long outer; long long inner; int neurons; int slices; };

// NV consecutive elements (neurons) moved as one aligned load or store.
template <int NV> struct __align__(NV * sizeof(T)) Lanes { T x[NV]; };

template <int NV> __device__ __forceinline__ void ld_lanes(const T* p, long long i, float* out)
{
    Lanes<NV> l = *(const Lanes<NV>*)(p + i);
#pragma unroll
    for (int j = 0; j < NV; ++j) out[j] = tof(l.x[j]);
}

template <int NV> __device__ __forceinline__ void st_lanes(T* p, long long i, const float* in)
{
    Lanes<NV> l;
#pragma unroll
    for (int j = 0; j < NV; ++j) l.x[j] = st(in[j]);
    *(Lanes<NV>*)(p + i) = l;
}

__device__ __forceinline__ float act(float s)
{
#if CASCADE_ACT == 0
    return 1.0f / (1.0f + expf(-s));
#elif CASCADE_ACT == 1
    return tanhf(s);
#else
    return fminf(fmaxf(s / 6.0f + 0.5f, 0.0f), 1.0f);
#endif
}

// f'(s), from s and a = f(s).
__device__ __forceinline__ float dact(float s, float a)
{
#if CASCADE_ACT == 0
    return a * (1.0f - a);
#elif CASCADE_ACT == 1
    return 1.0f - a * a;
#else
    return (s > -3.0f && s < 3.0f) ? (1.0f / 6.0f) : 0.0f;
#endif
}

__device__ __forceinline__ void load_weights(const Weights& w, int C, int n, float* u, float* v)
{
#pragma unroll
    for (int k = 0; k < D; ++k) u[k] = ld(w.u[k], n);
#pragma unroll
    for (int k = 1; k < D; ++k)
#pragma unroll
        for (int i = 0; i < k; ++i) v[VI(k, i)] = ld(w.v[k], (long long)i * C + n);
}

// y = host + sum_k u_k a_k for one element whose pre-activations p_k are already loaded into s.
__device__ __forceinline__ float forward_loaded(const float* s, const float* u, const float* v, float y)
{
    float a[D];
#pragma unroll
    for (int k = 0; k < D; ++k)
    {
        float x = s[k];
#pragma unroll
        for (int i = 0; i < k; ++i) x = fmaf(v[VI(k, i)], a[i], x);
        a[k] = act(x);
        y = fmaf(u[k], a[k], y);
    }
    return y;
}

__device__ __forceinline__ void load_pre(const Sets& pre, long long off, float* s)
{
#pragma unroll
    for (int k = 0; k < D; ++k) s[k] = ld(pre.p[k], off);
}

// y = host + sum_k u_k a_k for one element; pre offset `off`.
__device__ __forceinline__ float forward_element(const Sets& pre, long long off, const float* u, const float* v, float y)
{
    float s[D];
    load_pre(pre, off, s);
    return forward_loaded(s, u, v, y);
}

// dL/dp_k for one element whose p_k are loaded into s, into gs[k]; adds its terms of dL/du and dL/dv to acc.
__device__ __forceinline__ void backward_loaded(const float* s, float g, const float* u, const float* v, float* gs, float* acc)
{
    float a[D], d[D], ga[D];
#pragma unroll
    for (int k = 0; k < D; ++k)
    {
        float x = s[k];
#pragma unroll
        for (int i = 0; i < k; ++i) x = fmaf(v[VI(k, i)], a[i], x);
        a[k] = act(x);
        d[k] = dact(x, a[k]);
        ga[k] = g * u[k];
    }
#pragma unroll
    for (int k = D - 1; k >= 0; --k)
    {
        gs[k] = ga[k] * d[k];
        acc[k] = fmaf(g, a[k], acc[k]);
#if CASCADE_BIAS_GRAD
        acc[R + 1 + k] += gs[k];
#endif
#pragma unroll
        for (int i = 0; i < k; ++i)
        {
            acc[D + VI(k, i)] = fmaf(gs[k], a[i], acc[D + VI(k, i)]);
            ga[i] = fmaf(gs[k], v[VI(k, i)], ga[i]);
        }
    }
#if CASCADE_BIAS_GRAD
    acc[R] += g;
#endif
}

// dL/dp_k for one element (written to gpre.p[k][goff]); adds its terms of dL/du and dL/dv to acc.
__device__ __forceinline__ void backward_element(const Sets& pre, long long off, float g, const float* u, const float* v,
                                                 const GradSets& gpre, long long goff, float* acc)
{
    float s[D], gs[D];
    load_pre(pre, off, s);
    backward_loaded(s, g, u, v, gs, acc);
#pragma unroll
    for (int k = 0; k < D; ++k) gpre.p[k][goff] = st(gs[k]);
}

// ---- rows: inner == 1; grid (ceil(C / (NV * blockDim.x)), slices); thread = NV neurons, blocks stride over rows.
// One neuron's loads per row are too few to keep the memory system busy (measured on the H200: about a fifth of its
// bandwidth with 2-byte bfloat16 elements), so a thread takes NV adjacent neurons (the "_pairs" entry points, NV = 2:
// one 4- or 8-byte access where the layouts allow it, see CudaLauncher) and loads ROWS_UNROLL
// rows before computing any (2 rather than 4 once D x NV passes 4, to keep the loaded values in registers). Each
// neuron still visits its rows, and accumulates their sums, in increasing order; CudaLauncher gives both forms the
// same slice count, so their results are bit for bit the same.
#define ROWS_UNROLL (D * NV <= 4 ? 4 : 2)

// For rows o0, o0 + step, ... (ROWS_UNROLL of them, those below outer): the first tensor's NV elements (the host
// output forward, the incoming gradient backward) into f[j], every set's pre-activations into s[j][k].
template <int NV>
__device__ __forceinline__ void load_rows(const T* first, Layout first_l, const Sets& pre, Layout pre_l, int n, long long o0, long long step,
                                          long long outer, float (*f)[NV], float (*s)[D][NV])
{
#pragma unroll
    for (int j = 0; j < ROWS_UNROLL; ++j)
    {
        long long o = o0 + j * step;
        if (o < outer)
        {
            ld_lanes<NV>(first, o * first_l.outer + n * first_l.neuron, f[j]);
#pragma unroll
            for (int k = 0; k < D; ++k) ld_lanes<NV>(pre.p[k], o * pre_l.outer + n * pre_l.neuron, s[j][k]);
        }
    }
}

template <int NV>
__device__ __forceinline__ void forward_rows(T* out, Layout out_l, const T* host, Layout host_l, const Sets& pre, Layout pre_l, const Weights& w, Shape sh)
{
    int n = (blockIdx.x * blockDim.x + threadIdx.x) * NV;
    if (n >= sh.neurons) return;
    float u[NV][D], v[NV][VN];
#pragma unroll
    for (int l = 0; l < NV; ++l) load_weights(w, sh.neurons, n + l, u[l], v[l]);
    long long step = gridDim.y;
    for (long long o0 = blockIdx.y; o0 < sh.outer; o0 += ROWS_UNROLL * step)
    {
        float h[ROWS_UNROLL][NV], s[ROWS_UNROLL][D][NV];
        load_rows<NV>(host, host_l, pre, pre_l, n, o0, step, sh.outer, h, s);
#pragma unroll
        for (int j = 0; j < ROWS_UNROLL; ++j)
        {
            long long o = o0 + j * step;
            if (o >= sh.outer) continue;
            float y[NV];
#pragma unroll
            for (int l = 0; l < NV; ++l)
            {
                float x[D];
#pragma unroll
                for (int k = 0; k < D; ++k) x[k] = s[j][k][l];
                y[l] = forward_loaded(x, u[l], v[l], h[j][l]);
            }
            st_lanes<NV>(out, o * out_l.outer + n * out_l.neuron, y);
        }
    }
}

// grad (dL/dy) is contiguous; gpre has its own layout gpre_l.
template <int NV>
__device__ __forceinline__ void backward_rows(const GradSets& gpre, Layout gpre_l, const T* grad, const Sets& pre, Layout pre_l, const Weights& w, float* partial, Shape sh)
{
    int n = (blockIdx.x * blockDim.x + threadIdx.x) * NV;
    if (n >= sh.neurons) return;
    float u[NV][D], v[NV][VN], acc[NV][RB];
#pragma unroll
    for (int l = 0; l < NV; ++l)
    {
        load_weights(w, sh.neurons, n + l, u[l], v[l]);
#pragma unroll
        for (int r = 0; r < RB; ++r) acc[l][r] = 0.0f;
    }
    long long step = gridDim.y;
    for (long long o0 = blockIdx.y; o0 < sh.outer; o0 += ROWS_UNROLL * step)
    {
        float g[ROWS_UNROLL][NV], s[ROWS_UNROLL][D][NV];
        load_rows<NV>(grad, Layout{sh.neurons, 1}, pre, pre_l, n, o0, step, sh.outer, g, s);
#pragma unroll
        for (int j = 0; j < ROWS_UNROLL; ++j)
        {
            long long o = o0 + j * step;
            if (o >= sh.outer) continue;
            float gs[D][NV];
#pragma unroll
            for (int l = 0; l < NV; ++l)
            {
                float x[D], gl[D];
#pragma unroll
                for (int k = 0; k < D; ++k) x[k] = s[j][k][l];
                backward_loaded(x, g[j][l], u[l], v[l], gl, acc[l]);
#pragma unroll
                for (int k = 0; k < D; ++k) gs[k][l] = gl[k];
            }
#pragma unroll
            for (int k = 0; k < D; ++k) st_lanes<NV>(gpre.p[k], o * gpre_l.outer + n * gpre_l.neuron, gs[k]);
        }
    }
#pragma unroll
    for (int l = 0; l < NV; ++l)
#pragma unroll
        for (int r = 0; r < RB; ++r) partial[((long long)blockIdx.y * RB + r) * sh.neurons + n + l] = acc[l][r];
}

extern "C" __global__ void cascade_forward_rows(T* out, Layout out_l, const T* host, Layout host_l, Sets pre, Layout pre_l, Weights w, Shape sh)
{
    forward_rows<1>(out, out_l, host, host_l, pre, pre_l, w, sh);
}

// Pairs: every neuron stride 1, neurons and every row stride even, every pointer aligned to two elements.
extern "C" __global__ void cascade_forward_rows_pairs(T* out, Layout out_l, const T* host, Layout host_l, Sets pre, Layout pre_l, Weights w, Shape sh)
{
    forward_rows<2>(out, out_l, host, host_l, pre, pre_l, w, sh);
}

extern "C" __global__ void cascade_backward_rows(GradSets gpre, Layout gpre_l, const T* grad, Sets pre, Layout pre_l, Weights w, float* partial, Shape sh)
{
    backward_rows<1>(gpre, gpre_l, grad, pre, pre_l, w, partial, sh);
}

extern "C" __global__ void cascade_backward_rows_pairs(GradSets gpre, Layout gpre_l, const T* grad, Sets pre, Layout pre_l, Weights w, float* partial, Shape sh)
{
    backward_rows<2>(gpre, gpre_l, grad, pre, pre_l, w, partial, sh);
}

// ---- positions: grid (C, slices), POSITIONS_BLOCK threads; block = neuron, threads stride over rows x positions.

extern "C" __global__ void cascade_forward_positions(T* out, Layout out_l, const T* host, Layout host_l, Sets pre, Layout pre_l, Weights w, Shape sh)
{
    int n = blockIdx.x;
    float u[D], v[VN];
    load_weights(w, sh.neurons, n, u, v);
    long long total = sh.outer * sh.inner;
    long long step = (long long)blockDim.x * gridDim.y;
    long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x;
    long long o = j / sh.inner, p = j - o * sh.inner;
    long long so = step / sh.inner, sp = step - so * sh.inner;
    for (; j < total; j += step)
    {
        float y = ld(host, o * host_l.outer + n * host_l.neuron + p);
        y = forward_element(pre, o * pre_l.outer + n * pre_l.neuron + p, u, v, y);
        out[o * out_l.outer + n * out_l.neuron + p] = st(y);
        o += so;
        p += sp;
        if (p >= sh.inner) { p -= sh.inner; ++o; }
    }
}

extern "C" __global__ void cascade_backward_positions(GradSets gpre, Layout gpre_l, const T* grad, Sets pre, Layout pre_l, Weights w, float* partial, Shape sh)
{
    __shared__ float warp_sums[POSITIONS_BLOCK / 32][RB];
    int n = blockIdx.x;
    float u[D], v[VN], acc[RB];
    load_weights(w, sh.neurons, n, u, v);
#pragma unroll
    for (int r = 0; r < RB; ++r) acc[r] = 0.0f;
    long long total = sh.outer * sh.inner;
    long long step = (long long)blockDim.x * gridDim.y;
    long long j = (long long)blockIdx.y * blockDim.x + threadIdx.x;
    long long o = j / sh.inner, p = j - o * sh.inner;
    long long so = step / sh.inner, sp = step - so * sh.inner;
    for (; j < total; j += step)
    {
        backward_element(pre, o * pre_l.outer + n * pre_l.neuron + p, ld(grad, (o * sh.neurons + n) * sh.inner + p), u, v,
                         gpre, o * gpre_l.outer + n * gpre_l.neuron + p, acc);
        o += so;
        p += sp;
        if (p >= sh.inner) { p -= sh.inner; ++o; }
    }

    // Block sum of each accumulator: within each warp by shuffles, then across the warps in order.
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
    for (int r = 0; r < RB; ++r)
    {
        float x = acc[r];
        for (int offset = 16; offset > 0; offset >>= 1) x += __shfl_down_sync(0xffffffffu, x, offset);
        if (lane == 0) warp_sums[warp][r] = x;
    }
    __syncthreads();
    if (threadIdx.x < RB)
    {
        float x = 0.0f;
        for (int w8 = 0; w8 < POSITIONS_BLOCK / 32; ++w8) x += warp_sums[w8][threadIdx.x];
        partial[((long long)blockIdx.y * RB + threadIdx.x) * sh.neurons + n] = x;
    }
}

// ---- dL/du, dL/dv (and the bias gradients): gparams[r][n] = sum over slices s (in order) of partial[s][r][n], stored in T.

extern "C" __global__ void cascade_reduce(const float* partial, T* gparams, Shape sh)
{
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long count = (long long)RB * sh.neurons;
    if (idx >= count) return;
    float x = 0.0f;
    for (int s = 0; s < sh.slices; ++s) x += partial[(long long)s * count + idx];
    gparams[idx] = st(x);
}
