using System;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// The launcher makes the device's primary context current for a launch only: afterwards the thread's own context
/// (another one, or none) is current again, with the driver's context stack below it untouched (checked against the
/// driver's documented semantics, <see cref="FakeContextStack"/>, without a GPU).
/// </summary>
public class CurrentContextScopeTests
{
    private static readonly IntPtr Primary = new(0x1000);
    private static readonly IntPtr Other = new(0x2000);
    private static readonly IntPtr Below = new(0x3000);

    [Test]
    public void Enter_NoContextCurrent_PrimaryCurrentInsideAndNoneAfter()
    {
        var thread = new FakeContextStack();

        using (CurrentContextScope.Enter(Primary, thread))
        {
            thread.Current().Should().Be(Primary);
        }

        thread.Stack.Should().BeEmpty("the thread had no context before the launch");
    }

    [Test]
    public void Enter_OtherContextCurrent_RestoresItAndTheStackBelow()
    {
        var thread = new FakeContextStack(Below, Other);

        using (CurrentContextScope.Enter(Primary, thread))
        {
            thread.Stack.Should().Equal(Below, Primary);
        }

        thread.Stack.Should().Equal(Below, Other);
    }

    [Test]
    public void Enter_PrimaryAlreadyCurrent_SetsNothing()
    {
        var thread = new FakeContextStack(Primary);

        using (CurrentContextScope.Enter(Primary, thread))
        {
            thread.Current().Should().Be(Primary);
        }

        thread.Binds.Should().Be(0, "libtorch's threads have the primary context current already");
        thread.Stack.Should().Equal(Primary);
    }

    [Test]
    public void Enter_WorkThrows_RestoresThePreviousContext()
    {
        var thread = new FakeContextStack(Other);

        var launch = () =>
        {
            using var scope = CurrentContextScope.Enter(Primary, thread);
            throw new CudaKernelException("launch failed");
        };

        launch.Should().Throw<CudaKernelException>();
        thread.Stack.Should().Equal(Other);
    }

    [Test]
    public void Enter_Nested_InnerLeavesOuterContextCurrent()
    {
        var thread = new FakeContextStack();

        using (CurrentContextScope.Enter(Primary, thread))
        {
            using (CurrentContextScope.Enter(Primary, thread))
            {
                thread.Current().Should().Be(Primary);
            }

            thread.Current().Should().Be(Primary, "a load inside a launch's scope must not end the launch's");
        }

        thread.Stack.Should().BeEmpty();
    }
}
