using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// The messages of failed driver and NVRTC calls name the call, the error and, where the user can act, the fix
/// (the wording is pure C#, so it is checked without a GPU).
/// </summary>
public class CudaErrorMessagesTests
{
    [TestCase(CudaErrorMessages.StubLibrary, "CUDA_ERROR_STUB_LIBRARY", "*stub libcuda.so*DENDRITIC_CUDA_DRIVER_PATH*")]
    [TestCase(CudaErrorMessages.NoDevice, "CUDA_ERROR_NO_DEVICE", "*CUDA_VISIBLE_DEVICES*")]
    [TestCase(CudaErrorMessages.InsufficientDriver, "CUDA_ERROR_INSUFFICIENT_DRIVER", "*update the NVIDIA driver*")]
    [TestCase(CudaErrorMessages.UnsupportedPtxVersion, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "*NVRTC is newer than the driver*DENDRITIC_NVRTC_PATH*")]
    [TestCase(CudaErrorMessages.NoBinaryForGpu, "CUDA_ERROR_NO_BINARY_FOR_GPU", "*NVRTC is newer than the driver*")]
    [TestCase(CudaErrorMessages.IllegalAddress, "CUDA_ERROR_ILLEGAL_ADDRESS", "*restart*CudaCascade.Disable()*")]
    public void DriverFailure_FixableError_NamesCallErrorAndFix(int result, string name, string fix)
    {
        var message = CudaErrorMessages.DriverFailure("cuInit", result, name);

        message.Should().StartWith($"CUDA driver cuInit failed: {name} ({result}).");
        message.Should().Match(fix);
    }

    [Test]
    public void DriverFailure_OtherErrorWithoutName_NamesCallAndCodeOnly()
    {
        CudaErrorMessages.DriverFailure("cuLaunchKernel(cascade_reduce)", 999, null)
            .Should().Be("CUDA driver cuLaunchKernel(cascade_reduce) failed: unknown error (999).");
    }

    [Test]
    public void CompileFailure_RejectedArchitecture_CarriesNvrtcErrorAndNamesTheFix()
    {
        var message = CudaErrorMessages.CompileFailure(new[] { "-DCASCADE_D=1", "--gpu-architecture=sm_70" }, CudaErrorMessages.NvrtcInvalidOption, "NVRTC_ERROR_INVALID_OPTION", "(no log)");

        message.Should().Contain("--gpu-architecture=sm_70").And.Contain("NVRTC_ERROR_INVALID_OPTION (5)").And.Contain("(no log)")
            .And.Contain("DENDRITIC_NVRTC_PATH").And.Contain("architecture");
    }

    [Test]
    public void CompileFailure_CompileError_CarriesTheLogWithoutTheArchitectureHint()
    {
        var message = CudaErrorMessages.CompileFailure(new[] { "-DCASCADE_D=9" }, 6, "NVRTC_ERROR_COMPILATION", "cascade.cu(12): error: x");

        message.Should().Contain("NVRTC_ERROR_COMPILATION (6)").And.Contain("cascade.cu(12): error: x").And.NotContain("architecture");
    }

    [TestCase(11, 8, false)]
    [TestCase(10, 2, false)]
    [TestCase(12, 0, true)]
    [TestCase(13, 0, true)]
    public void NvrtcVersionProblem_ByVersion_RejectsBelowTwelve(int major, int minor, bool supported)
    {
        var problem = CudaErrorMessages.NvrtcVersionProblem(major, minor);

        if (supported)
        {
            problem.Should().BeNull();
        }
        else
        {
            problem.Should().Contain($"{major}.{minor}").And.Contain("DENDRITIC_NVRTC_PATH");
        }
    }

    [TestCase(12080, "12.8")]
    [TestCase(13000, "13.0")]
    [TestCase(11020, "11.2")]
    public void CudaVersion_DriverEncoding_ReadsAsMajorDotMinor(int version, string expected) =>
        CudaErrorMessages.CudaVersion(version).Should().Be(expected);
}
