using System;
using System.Threading;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// <see cref="CudaModuleCache"/> with a stand-in for NVRTC and the driver: one compile per class and device, a compile
/// that does not hold up the other classes, and a failed compile retried on the next call.
/// </summary>
public class CudaModuleCacheTests
{
    private static readonly CudaDevice Gpu0 = new(0, new IntPtr(0x1000), 9, 0, 132);
    private static readonly CudaDevice Gpu1 = new(1, new IntPtr(0x2000), 9, 0, 132);

    [Test]
    public void Get_SameClassOtherShape_LoadsOnceAndReturnsTheSameModule()
    {
        var loads = 0;
        var cache = new CudaModuleCache((_, _) => { loads++; return Module(loads); });

        var first = cache.Get(Problem(2, outer: 64, neurons: 48), Gpu0);
        var second = cache.Get(Problem(2, outer: 4096, neurons: 1024), Gpu0);

        second.Should().BeSameAs(first);
        loads.Should().Be(1);
    }

    [Test]
    public void Get_OtherSetsDTypeActivationOrDevice_LoadsEach()
    {
        var loads = 0;
        var cache = new CudaModuleCache((_, _) => { loads++; return Module(loads); });

        cache.Get(Problem(2), Gpu0);
        cache.Get(Problem(3), Gpu0);
        cache.Get(Problem(2, ScalarType.BFloat16), Gpu0);
        cache.Get(Problem(2, activation: DendriteActivation.Tanh), Gpu0);
        cache.Get(Problem(2), Gpu1);

        loads.Should().Be(5);
    }

    [Test]
    public void Get_LoadFails_ThrowsAndNextCallLoadsAgain()
    {
        var loads = 0;
        var cache = new CudaModuleCache((_, _) => ++loads == 1 ? throw new CudaKernelException("NVRTC could not compile") : Module(loads));

        var failing = () => cache.Get(Problem(1), Gpu0);

        failing.Should().Throw<CudaKernelException>();
        cache.Get(Problem(1), Gpu0).Should().Be(Module(2));
        loads.Should().Be(2);
    }

    [Test]
    public void Get_OtherClassWhileOneCompiles_ReturnsWithoutWaitingForIt()
    {
        using var compiling = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var cache = new CudaModuleCache((problem, _) =>
        {
            if (problem.Sets == 4)
            {
                compiling.Set();
                release.Wait();
            }

            return Module(problem.Sets);
        });
        cache.Get(Problem(1), Gpu0);
        var slow = TestThreads.Start(() => cache.Get(Problem(4), Gpu0));
        CudaModule? loaded = null;
        CudaModule? compiled = null;
        bool finishedFirst;
        try
        {
            compiling.Wait(TestThreads.Patience).Should().BeTrue();
            var other = TestThreads.Start(() =>
            {
                loaded = cache.Get(Problem(1), Gpu0);
                compiled = cache.Get(Problem(2), Gpu0);
            });
            finishedFirst = other.Join(TestThreads.Patience);
        }
        finally
        {
            release.Set();
            TestThreads.JoinAll(slow);
        }

        finishedFirst.Should().BeTrue("a lookup of a loaded class and a compile of another must not wait for a compile in progress");
        loaded.Should().Be(Module(1));
        compiled.Should().Be(Module(2));
    }

    private static CascadeProblem Problem(int sets, ScalarType dtype = ScalarType.Float32, DendriteActivation activation = DendriteActivation.Sigmoid, long outer = 8, int neurons = 4) =>
        new(sets, dtype, activation, outer, neurons, 1, 0);

    // A module whose handles say which load made it.
    private static CudaModule Module(int id)
    {
        var handle = new IntPtr(id);
        return new CudaModule(handle, handle, handle, handle, handle, handle, handle);
    }
}
