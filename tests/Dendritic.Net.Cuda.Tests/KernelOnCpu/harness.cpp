// Runs cascade.cu itself on the CPU: every CUDA thread of a block is a std::thread, __syncthreads and the warp
// shuffles are barriers, blocks run one after another. Checks forward and backward (both thread mappings, strided
// pre-activations and pre-activation gradients, several slices) against a double-precision cascade. Compiled by run.sh once per
// -DCASCADE_D / -DCASCADE_BF16 / -DCASCADE_ACT / -DCASCADE_BIAS_GRAD, as NVRTC does ("grad u,v" then also covers the
// bias-gradient rows). Prints PASS or FAIL lines; exit code 1 on a failure.
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static // blocks run one at a time
#define __align__(n) alignas(n)

struct dim3 { unsigned x = 1, y = 1, z = 1; };
thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
static std::barrier<>* block_barrier;
static float shuffle_slots[1024];

inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline void __syncthreads() { block_barrier->arrive_and_wait(); }
inline float __shfl_down_sync(unsigned, float x, int offset)
{
    unsigned t = threadIdx.x;
    shuffle_slots[t] = x;
    block_barrier->arrive_and_wait();
    float r = ((t & 31) + offset < 32) ? shuffle_slots[t + offset] : x;
    block_barrier->arrive_and_wait();
    return r;
}

#include "../../../src/Dendritic.Net.Cuda/Kernels/cascade.cu"

template <typename F>
static void launch(dim3 grid, unsigned block, F kernel)
{
    gridDim = grid;
    blockDim = dim3{block, 1, 1};
    for (unsigned by = 0; by < grid.y; ++by)
        for (unsigned bx = 0; bx < grid.x; ++bx)
        {
            std::barrier<> barrier(block);
            block_barrier = &barrier;
            std::vector<std::thread> threads;
            for (unsigned t = 0; t < block; ++t)
                threads.emplace_back([=] { blockIdx = dim3{bx, by, 1}; threadIdx = dim3{t, 0, 0}; kernel(); });
            for (auto& th : threads) th.join();
        }
}

static double act64(double s)
{
#if CASCADE_ACT == 0
    return 1.0 / (1.0 + std::exp(-s));
#elif CASCADE_ACT == 1
    return std::tanh(s);
#else
    return std::fmin(std::fmax(s / 6.0 + 0.5, 0.0), 1.0);
#endif
}

static double dact64(double s)
{
#if CASCADE_ACT == 0
    double a = act64(s); return a * (1 - a);
#elif CASCADE_ACT == 1
    double a = std::tanh(s); return 1 - a * a;
#else
    return (s > -3 && s < 3) ? 1.0 / 6 : 0.0;
#endif
}

static int check(const char* what, const std::vector<double>& expected, const std::vector<float>& actual, double tolerance)
{
    double worst = 0, scale = 1e-12;
    for (size_t i = 0; i < expected.size(); ++i) { worst = std::fmax(worst, std::fabs(actual[i] - expected[i])); scale = std::fmax(scale, std::fabs(expected[i])); }
    bool pass = worst / scale <= tolerance;
    std::printf("%s D=%d bf16=%d act=%d %s: relative error %.1e (tolerance %.0e)\n", pass ? "PASS" : "FAIL", D, CASCADE_BF16, CASCADE_ACT, what, worst / scale, tolerance);
    return pass ? 0 : 1;
}

// One problem: outer x C x inner; pre-activations as views of one [outer, D*C, inner] tensor (a fused projection).
// pairs: the rows kernels' two-neurons-a-thread entry points (C even; every stride here is then even too).
static int run(long long outer, int C, long long inner, int slices, const char* name, bool pairs = false)
{
    std::mt19937 rng(1234 + D);
    std::normal_distribution<float> normal(0.f, 1.5f);
    auto draw = [&](size_t n) { std::vector<T> v(n); for (auto& x : v) x = st(normal(rng)); return v; };
    long long E = outer * C * inner;
    auto stacked = draw((size_t)(outer * D * C * inner));
    auto host = draw((size_t)E), grad = draw((size_t)E);
    std::vector<std::vector<T>> u(D), v(D);
    for (int k = 0; k < D; ++k) { u[k] = draw((size_t)C); v[k] = draw((size_t)std::max(k, 1) * C); }
    auto at = [&](const std::vector<T>& t, long long i) { return (double)ld(t.data(), i); };

    Sets pre{}; Weights w{};
    for (int k = 0; k < D; ++k) { pre.p[k] = stacked.data() + (long long)k * C * inner; w.u[k] = u[k].data(); w.v[k] = v[k].data(); }
    Layout pre_l{(long long)D * C * inner, inner}, flat{(long long)C * inner, inner};
    Shape sh{outer, inner, C, slices};

    // Reference in double.
    std::vector<double> y((size_t)E), gpre((size_t)(D * E)), gparams((size_t)RB * C, 0.0);
    for (long long o = 0; o < outer; ++o)
        for (int n = 0; n < C; ++n)
            for (long long p = 0; p < inner; ++p)
            {
                long long off = o * pre_l.outer + n * pre_l.neuron + p, e = (o * C + n) * inner + p;
                double a[8], s[8], ga[8];
                double out = at(host, e), g = at(grad, e);
                for (int k = 0; k < D; ++k)
                {
                    s[k] = at(stacked, off + (long long)k * C * inner);
                    for (int i = 0; i < k; ++i) s[k] += at(v[k], (long long)i * C + n) * a[i];
                    a[k] = act64(s[k]);
                    out += at(u[k], n) * a[k];
                    ga[k] = g * at(u[k], n);
                }
                y[(size_t)e] = out;
                for (int k = D - 1; k >= 0; --k)
                {
                    double gs = ga[k] * dact64(s[k]);
                    gpre[(size_t)(k * E + e)] = gs;
                    gparams[(size_t)k * C + n] += g * a[k];
                    for (int i = 0; i < k; ++i) { gparams[(size_t)(D + VI(k, i)) * C + n] += gs * a[i]; ga[i] += gs * at(v[k], (long long)i * C + n); }
#if CASCADE_BIAS_GRAD
                    gparams[(size_t)(R + 1 + k) * C + n] += gs;
#endif
                }
#if CASCADE_BIAS_GRAD
                gparams[(size_t)R * C + n] += g;
#endif
            }

    // The kernels, mapped as CudaLauncher maps them.
    std::vector<T> out((size_t)E), gpre_k((size_t)(D * E)), gparams_k((size_t)RB * C);
    std::vector<float> partial((size_t)slices * RB * C);
    bool rows = inner == 1;
    int per_thread = pairs ? 2 : 1;
    dim3 grid = rows ? dim3{(unsigned)((C / per_thread + 127) / 128), (unsigned)slices, 1} : dim3{(unsigned)C, (unsigned)slices, 1};
    unsigned block = rows ? 128 : POSITIONS_BLOCK;
    T* o_ptr = out.data(); const T* h_ptr = host.data(); const T* g_ptr = grad.data();
    float* part_ptr = partial.data(); T* gw_ptr = gparams_k.data();
    // dL/dp_k is written in the pre-activations' own (fused projection) layout, as CascadeFunction asks for it.
    GradSets gsets{};
    for (int k = 0; k < D; ++k) gsets.p[k] = gpre_k.data() + (long long)k * C * inner;
    if (rows && pairs)
    {
        launch(grid, block, [=] { cascade_forward_rows_pairs(o_ptr, flat, h_ptr, flat, pre, pre_l, w, sh); });
        launch(grid, block, [=] { cascade_backward_rows_pairs(gsets, pre_l, g_ptr, pre, pre_l, w, part_ptr, sh); });
    }
    else if (rows)
    {
        launch(grid, block, [=] { cascade_forward_rows(o_ptr, flat, h_ptr, flat, pre, pre_l, w, sh); });
        launch(grid, block, [=] { cascade_backward_rows(gsets, pre_l, g_ptr, pre, pre_l, w, part_ptr, sh); });
    }
    else
    {
        launch(grid, block, [=] { cascade_forward_positions(o_ptr, flat, h_ptr, flat, pre, pre_l, w, sh); });
        launch(grid, block, [=] { cascade_backward_positions(gsets, pre_l, g_ptr, pre, pre_l, w, part_ptr, sh); });
    }
    // Back to the reference's [D, outer, C, inner] order for the comparison.
    std::vector<T> gpre_ordered((size_t)(D * E));
    for (int k = 0; k < D; ++k)
        for (long long o = 0; o < outer; ++o)
            for (int n = 0; n < C; ++n)
                for (long long p = 0; p < inner; ++p)
                    gpre_ordered[(size_t)(k * E + (o * C + n) * inner + p)] = gpre_k[(size_t)(o * pre_l.outer + k * C * inner + n * pre_l.neuron + p)];
    launch(dim3{(unsigned)((RB * C + 255) / 256), 1, 1}, 256, [=] { cascade_reduce(part_ptr, gw_ptr, sh); });

    auto floats = [](const std::vector<T>& t) { std::vector<float> f(t.size()); for (size_t i = 0; i < t.size(); ++i) f[i] = ld(t.data(), (long long)i); return f; };
    double tolerance = CASCADE_BF16 ? 1e-2 : 1e-5;
    char label[64];
    int failures = 0;
    std::snprintf(label, sizeof label, "%s output", name); failures += check(label, y, floats(out), tolerance);
    std::snprintf(label, sizeof label, "%s grad pre", name); failures += check(label, gpre, floats(gpre_ordered), tolerance);
    std::snprintf(label, sizeof label, "%s grad u,v", name); failures += check(label, gparams, floats(gparams_k), tolerance);
    return failures;
}

// The rows kernels with two neurons a thread against one, at the same slice count (as CudaLauncher launches them): the
// output, the pre-activation gradients and the partial sums must agree bit for bit, also with the output written over
// the host output (inference) and with rows that do not fill the last unrolled step.
static int pairs_match_single(long long outer, int C, int slices, bool in_place)
{
    std::mt19937 rng(99 + D);
    std::normal_distribution<float> normal(0.f, 1.5f);
    auto draw = [&](size_t n) { std::vector<T> v(n); for (auto& x : v) x = st(normal(rng)); return v; };
    long long E = outer * C;
    auto stacked = draw((size_t)(outer * D * C));
    auto host = draw((size_t)E), grad = draw((size_t)E);
    std::vector<std::vector<T>> u(D), v(D);
    for (int k = 0; k < D; ++k) { u[k] = draw((size_t)C); v[k] = draw((size_t)std::max(k, 1) * C); }
    Sets pre{}; Weights w{};
    for (int k = 0; k < D; ++k) { pre.p[k] = stacked.data() + (long long)k * C; w.u[k] = u[k].data(); w.v[k] = v[k].data(); }
    Layout pre_l{(long long)D * C, 1}, flat{(long long)C, 1};
    Shape sh{outer, 1, C, slices};
    std::vector<T> out[2], gpre[2];
    std::vector<float> partial[2];
    for (int pairs = 0; pairs < 2; ++pairs)
    {
        std::vector<T> h = host, fresh((size_t)E), g((size_t)(D * E));
        std::vector<float> part((size_t)slices * RB * C);
        T* o_ptr = in_place ? h.data() : fresh.data(); const T* h_ptr = h.data(); const T* g_ptr = grad.data(); float* p_ptr = part.data();
        GradSets gsets{};
        for (int k = 0; k < D; ++k) gsets.p[k] = g.data() + (long long)k * C;
        dim3 grid{(unsigned)((C / (pairs ? 2 : 1) + 127) / 128), (unsigned)slices, 1};
        if (pairs)
        {
            launch(grid, 128, [=] { cascade_forward_rows_pairs(o_ptr, flat, h_ptr, flat, pre, pre_l, w, sh); });
            launch(grid, 128, [=] { cascade_backward_rows_pairs(gsets, pre_l, g_ptr, pre, pre_l, w, p_ptr, sh); });
        }
        else
        {
            launch(grid, 128, [=] { cascade_forward_rows(o_ptr, flat, h_ptr, flat, pre, pre_l, w, sh); });
            launch(grid, 128, [=] { cascade_backward_rows(gsets, pre_l, g_ptr, pre, pre_l, w, p_ptr, sh); });
        }
        out[pairs] = in_place ? h : fresh;
        gpre[pairs] = g;
        partial[pairs] = part;
    }
    bool same = out[0] == out[1] && gpre[0] == gpre[1] && std::memcmp(partial[0].data(), partial[1].data(), partial[0].size() * sizeof(float)) == 0;
    std::printf("%s D=%d bf16=%d act=%d pairs bit for bit as one neuron a thread (rows %lld, C %d, slices %d, in place %d)\n",
                same ? "PASS" : "FAIL", D, CASCADE_BF16, CASCADE_ACT, outer, C, slices, in_place ? 1 : 0);
    return same ? 0 : 1;
}

int main()
{
    int failures = run(37, 13, 1, 3, "rows (Linear)") + run(37, 14, 1, 3, "rows, pairs", true) + run(3, 5, 29, 2, "positions (conv)")
        + run(2, 3, 300, 2, "positions, long rows") + run(3, 2, 1500, 2, "positions, several strides per thread");
    failures += pairs_match_single(37, 14, 3, false) + pairs_match_single(37, 14, 3, true) + pairs_match_single(5, 260, 7, true)
        + pairs_match_single(1, 2, 1, true);
    return failures == 0 ? 0 : 1;
}
