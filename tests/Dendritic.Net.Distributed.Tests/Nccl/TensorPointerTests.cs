using System.Runtime.InteropServices;
using FluentAssertions;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Distributed.Tests.Nccl;

/// <summary>The data pointer NCCL gets: TorchSharp's THSTensor_data export, resolved through TorchSharp's own bridge.</summary>
[TestFixture]
public sealed class TensorPointerTests
{
    [Test]
    public void THSTensorData_ViewAtAnOffset_PointsAtItsFirstElement()
    {
        using var whole = zeros(10);
        using var view = whole.narrow(0, 3, 4);

        var pointer = NcclNative.THSTensor_data(view.Handle);
        Marshal.Copy(new[] { 5f }, 0, pointer, 1);

        whole[3].item<float>().Should().Be(5f, "the pointer includes the view's storage offset");
        whole[0].item<float>().Should().Be(0f);
    }
}
