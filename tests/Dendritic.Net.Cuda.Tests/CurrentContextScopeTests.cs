using System;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// The launcher makes the device's primary context current for a launch only: afterwards the thread's own context
/// (another one, or none) is current again, with the driver's context stack below it untouched (checked against the
/// driver's documented semantics, <see cref="FakeContextStack"/>, without a GPU). A launch's own exception is never
/// replaced by a failure to set the context back.
/// </summary>
public class CurrentContextScopeTests
{
    private static readonly IntPtr Primary = new(0x1000);
    private static readonly IntPtr Other = new(0x2000);
    private static readonly IntPtr Below = new(0x3000);

    [Test]
    public void Run_NoContextCurrent_PrimaryCurrentInsideAndNoneAfter()
    {
        var thread = new FakeContextStack();
        var inside = IntPtr.Zero;

        CurrentContextScope.Run(Primary, thread, thread, t => inside = t.Current());

        inside.Should().Be(Primary);
        thread.Stack.Should().BeEmpty("the thread had no context before the launch");
    }

    [Test]
    public void Run_OtherContextCurrent_RestoresItAndTheStackBelow()
    {
        var thread = new FakeContextStack(Below, Other);
        IntPtr[] inside = [];

        CurrentContextScope.Run(Primary, thread, thread, t => inside = [.. t.Stack]);

        inside.Should().Equal(Below, Primary);
        thread.Stack.Should().Equal(Below, Other);
    }

    [Test]
    public void Run_PrimaryAlreadyCurrent_SetsNothing()
    {
        var thread = new FakeContextStack(Primary);
        var inside = IntPtr.Zero;

        CurrentContextScope.Run(Primary, thread, thread, t => inside = t.Current());

        inside.Should().Be(Primary);
        thread.Binds.Should().Be(0, "libtorch's threads have the primary context current already");
        thread.Stack.Should().Equal(Primary);
    }

    [Test]
    public void Run_WorkThrows_RestoresThePreviousContext()
    {
        var thread = new FakeContextStack(Other);

        var launch = () => CurrentContextScope.Run(Primary, thread, thread, static _ => throw new CudaKernelException("launch failed"));

        launch.Should().Throw<CudaKernelException>().WithMessage("launch failed");
        thread.Stack.Should().Equal(Other);
    }

    [Test]
    public void Run_WorkThrowsAndRestoreFails_ThrowsTheWorksException()
    {
        var thread = new FakeContextStack(Other);

        var launch = () => CurrentContextScope.Run(Primary, thread, thread, static t =>
        {
            t.BindFails = true;
            throw new InvalidOperationException("launch failed");
        });

        launch.Should().Throw<InvalidOperationException>().WithMessage("launch failed", "the launch's error says what went wrong; the failed restore would hide it");
        thread.Binds.Should().Be(2, "the restore was tried");
    }

    [Test]
    public void Run_WorkSucceedsAndRestoreFails_ThrowsTheRestoreError()
    {
        var thread = new FakeContextStack(Other);
        var ran = false;

        var launch = () => CurrentContextScope.Run(Primary, thread, thread, t =>
        {
            t.BindFails = true;
            ran = true;
        });

        launch.Should().Throw<CudaKernelException>().WithMessage("cuCtxSetCurrent failed*", "a thread left with another context than its own must not pass silently");
        ran.Should().BeTrue();
    }

    [Test]
    public void Run_EnterFails_ThrowsWithoutRunningTheWork()
    {
        var thread = new FakeContextStack(Other) { BindFails = true };
        var ran = false;

        var launch = () => CurrentContextScope.Run(Primary, thread, thread, _ => ran = true);

        launch.Should().Throw<CudaKernelException>();
        ran.Should().BeFalse();
        thread.Stack.Should().Equal(Other);
    }

    [Test]
    public void Run_Nested_InnerLeavesOuterContextCurrent()
    {
        var thread = new FakeContextStack();
        var between = IntPtr.Zero;

        CurrentContextScope.Run(Primary, thread, thread, t =>
        {
            CurrentContextScope.Run(Primary, t, t, static inner => inner.Current().Should().Be(Primary));
            between = t.Current();
        });

        between.Should().Be(Primary, "a load inside a launch's scope must not end the launch's");
        thread.Stack.Should().BeEmpty();
    }
}
