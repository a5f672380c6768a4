using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>
/// A description that opens its own <c>torch.NewDisposeScope()</c> around <c>AddNode</c> and <c>AddInitializer</c>: the
/// values the check computes on the sample belong to the builder, not to the user's scope, so they outlive it, and the
/// export frees them when it ends.
/// </summary>
public class DescriptionScopeTests
{
    [Test]
    public void Export_OneNodeDescriptionInsideTheUsersDisposeScope_IsCheckedAndMatchesTorchSharp()
    {
        torch.manual_seed(1200);
        using var model = new DescribedModule(5, h => h.relu(), (builder, h) =>
        {
            using var scope = torch.NewDisposeScope();
            return builder.AddNode("Relu", new[] { h });
        });
        using var sample = randn(2, 5);
        var logger = new RecordingLogger();

        var bytes = OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        logger.Entries.Should().NotContain(e => e.EventId == 8000);
        using var input = randn(3, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_WrongDescriptionInsideTheUsersDisposeScope_IsStillRefused()
    {
        // The check reads the node's value after the user's scope has ended: a wrong description must still be caught.
        torch.manual_seed(1201);
        using var model = new DescribedModule(5, h => h.relu(), (builder, h) =>
        {
            using var scope = torch.NewDisposeScope();
            return builder.AddNode("Sigmoid", new[] { h });
        });
        using var sample = randn(2, 5);

        var act = () => OnnxExporter.ExportToBytes(model, sample);

        act.Should().Throw<OnnxExportException>().Where(e => e.ModuleType == nameof(DescribedModule))
            .WithMessage("*its ExportOnnx description*the largest difference is*");
    }

    [Test]
    public void Export_InitializerAddedInsideTheUsersDisposeScope_IsCheckedAndMatchesTorchSharp()
    {
        // The constant is made in the user's scope and dies with it; the builder keeps its own copy.
        torch.manual_seed(1202);
        using var model = new DescribedModule(5, h => h * 2.5f, (builder, h) =>
        {
            using var scope = torch.NewDisposeScope();
            var factor = builder.AddInitializer(torch.tensor(2.5f), "factor");
            return builder.AddNode("Mul", new[] { h, factor });
        });
        using var sample = randn(2, 5);
        var logger = new RecordingLogger();

        var bytes = OnnxExporter.ExportToBytes(model, sample, new OnnxExportOptions { Logger = logger });

        logger.Entries.Should().NotContain(e => e.EventId == 8000);
        using var input = randn(3, 5);
        Parity.ShouldRunLike(bytes, model, input);
    }

    [Test]
    public void Export_DescriptionInsideTheUsersDisposeScope_LeavesNoLiveTensors()
    {
        torch.manual_seed(1203);
        using var model = new DescribedModule(5, h => h.relu() * 2.5f, (builder, h) =>
        {
            using var scope = torch.NewDisposeScope();
            var relu = builder.AddNode("Relu", new[] { h });
            return builder.AddNode("Mul", new[] { relu, builder.AddInitializer(torch.tensor(2.5f), "factor") });
        });
        using var sample = randn(2, 5);

        LiveTensors.Added(() => OnnxExporter.ExportToBytes(model, sample)).Should().Be(0);
    }

    [Test]
    public void Export_RefusedDescription_LeavesNoLiveTensors()
    {
        // A failed export frees the builder's values too.
        torch.manual_seed(1204);
        using var model = new DescribedModule(5, h => h.relu(), (builder, h) => builder.AddNode("Sigmoid", new[] { h }));
        using var sample = randn(2, 5);

        LiveTensors.Added(() => FluentActions.Invoking(() => OnnxExporter.ExportToBytes(model, sample)).Should().Throw<OnnxExportException>()).Should().Be(0);
    }
}
