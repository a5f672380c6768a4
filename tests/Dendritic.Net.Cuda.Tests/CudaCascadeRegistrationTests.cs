using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// <see cref="CudaCascade.Enable"/> and <see cref="CudaCascade.Disable"/> share <see cref="CascadeKernels.Current"/>
/// with other code: they never replace or remove a kernel they did not register (checked on the CPU, where no native
/// library is loaded before the conflict is found).
/// </summary>
public class CudaCascadeRegistrationTests
{
    [TearDown]
    public void ResetKernel() => CascadeKernels.Current = null;

    [Test]
    public void Enable_OtherKernelRegistered_ThrowsNamingItAndKeepsIt()
    {
        var mine = new FusedCascadeKernel(new CascadeMirror());
        CascadeKernels.Current = mine;

        var enable = () => CudaCascade.Enable();

        enable.Should().Throw<CudaKernelException>()
            .WithMessage($"*{typeof(FusedCascadeKernel).FullName}*CascadeKernels.CompareExchange(null, thatKernel)*");
        CascadeKernels.Current.Should().BeSameAs(mine);
        CudaCascade.IsEnabled.Should().BeFalse("a fused kernel registered by other code is not CudaCascade's");
    }

    [Test]
    public void Disable_OtherKernelRegistered_KeepsIt()
    {
        var mine = new FusedCascadeKernel(new CascadeMirror());
        CascadeKernels.Current = mine;

        CudaCascade.Disable();

        CascadeKernels.Current.Should().BeSameAs(mine);
    }
}
