using FluentAssertions;
using NUnit.Framework;
using TorchSharp;

namespace Dendritic.Distributed.Tests.Nccl;

/// <summary>What <see cref="NcclCommunicator.Create"/> says where it cannot run (the CPU machines of the test suite).</summary>
public class NcclCommunicatorTests
{
    [Test]
    public void Create_WithoutCuda_ThrowsNcclExceptionNamingTheFix()
    {
        if (torch.cuda.is_available())
        {
            Assert.Ignore("CUDA is available here; the message for a machine without it cannot be seen.");
        }

        var create = () => NcclCommunicator.Create(new NcclRendezvous());

        create.Should().Throw<NcclException>().WithMessage("*needs CUDA*CUDA build of libtorch*").Which.Result.Should().Be(0);
    }
}
