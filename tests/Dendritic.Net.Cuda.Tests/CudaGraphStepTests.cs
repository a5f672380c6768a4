using System;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// <see cref="CudaGraphStep"/> where no GPU is: its argument checks and the typed error that names what is missing,
/// and the fused cascade's one-set rule while a capture is prepared. The capture itself runs on the GPU machine
/// (<c>graph-check</c>, docs/cuda.md).
/// </summary>
public class CudaGraphStepTests
{
    [TearDown]
    public void ResetKernel() => CascadeKernels.Current = null;

    [Test]
    public void Capture_NullStep_ThrowsArgumentNull()
    {
        var act = () => CudaGraphStep.Capture(null!, new Device("cuda"));

        act.Should().Throw<ArgumentNullException>().WithParameterName("step");
    }

    [Test]
    public void Capture_CpuDevice_ThrowsArgumentNamingTheDevice()
    {
        var act = () => CudaGraphStep.Capture(() => { }, CPU);

        act.Should().Throw<ArgumentException>().WithParameterName("device").WithMessage("*'cpu'*not a CUDA device*");
    }

    [Test]
    public void Capture_NoWarmupRun_ThrowsOutOfRange()
    {
        var act = () => CudaGraphStep.Capture(() => { }, new Device("cuda"), warmupRuns: 0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("warmupRuns");
    }

    [Test]
    public void Capture_WithoutLibTorchCuda_ThrowsTypedErrorNamingTheMissingPieceAndRunsNothing()
    {
        if (LibTorchCuda.MissingForGraphs is null)
        {
            Assert.Ignore("libtorch's CUDA libraries are loaded here: the capture itself is checked by graph-check on the GPU machine.");
        }

        var runs = 0;
        var act = () => CudaGraphStep.Capture(() => runs++, new Device("cuda"));

        act.Should().Throw<CudaGraphException>().WithMessage("CUDA graphs are not available: *Run the step eagerly.");
        runs.Should().Be(0);
    }

    [Test]
    public void CurrentStream_WithoutLibTorchCuda_IsTheLegacyDefaultStream()
    {
        if (LibTorchCuda.MissingForGraphs is null)
        {
            Assert.Ignore("libtorch's CUDA libraries are loaded here: the launcher's stream is checked by fused-check on the GPU machine.");
        }

        LibTorchCuda.CurrentStream(0).Should().Be(IntPtr.Zero, "the kernels then launch on stream 0, libtorch's stream unless something sets another");
    }

    [Test]
    public void GraphCaptureState_EnteredOnAnotherThread_IsNotActiveHere()
    {
        using var entered = new System.Threading.ManualResetEventSlim();
        using var release = new System.Threading.ManualResetEventSlim();
        var other = new System.Threading.Thread(() =>
        {
            GraphCaptureState.Enter();
            entered.Set();
            release.Wait();
            GraphCaptureState.Exit();
        });
        other.IsBackground = true;
        other.Start();
        entered.Wait();
        try
        {
            GraphCaptureState.Active.Should().BeFalse("another thread's capture must not move this thread's eager steps onto another path");
        }
        finally
        {
            // Released whatever the assertion says, so that a failure cannot leave the thread waiting.
            release.Set();
            other.Join();
        }
    }

    [Test]
    public void TryCombine_OneSetTrainingBelowThresholdWhileCapturing_TakesTheKernel()
    {
        var mirror = new CascadeMirror();
        CascadeKernels.Current = new FusedCascadeKernel(mirror, oneSetTrainingMinBytes: 1 << 20);
        using var one = new DendriteLayer(nn.Linear(4, 3), dendrites: 1);
        using var input = randn(2, 4);

        GraphCaptureState.During(() => one.call(input).sum().backward());

        mirror.Launches.Should().Be(3, "a replayed graph pays no dispatch, so the small one-set step runs fused: forward, backward, reduction");
        one.call(input).sum().backward();
        mirror.Launches.Should().Be(3, "outside a capture the one-set rule applies again");
    }
}
