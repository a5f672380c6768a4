using System.Collections.Generic;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Text from a checkpoint (a manifest property's name, a tensor key, a dtype, a scheduler state's field) is quoted in
/// exception messages bounded, and with its control characters escaped: a hostile file of a few megabytes had made
/// messages of millions of characters, and a newline in a key could start a line of its own in a log (found in a
/// review of hostile files).
/// </summary>
[TestFixture]
public sealed class UntrustedTextQuotingTests : ForgedCheckpointFixture
{
    private const int MaxMessageChars = 2_000;

    [Test]
    public void ReadManifest_UnknownPropertyWithAHugeName_QuotesItBounded()
    {
        var path = SaveMlp();
        CheckpointForge.Rewrite(path, m => m[new string('q', 1_000_000)] = 1);

        var act = () => DendriteCheckpoint.ReadManifest(path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage($"*'{path}'*at 'qqqq*...'*").Which.Message.Length.Should().BeLessThan(MaxMessageChars);
    }

    [Test]
    public void Load_TensorKeyNotInTheModelWithAHugeName_QuotesItBoundedInTheMessageAndLayerName()
    {
        var path = SaveWithBiasKey("fc1." + new string('k', 1_000_000));

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        var thrown = act.Should().Throw<CheckpointMismatchException>().WithMessage("*not in the model [fc1.kkkk*...]*").Which;
        thrown.Message.Length.Should().BeLessThan(MaxMessageChars);
        (thrown.LayerName ?? string.Empty).Length.Should().BeLessThan(MaxMessageChars);
    }

    [Test]
    public void Load_TensorWithAHugeKeyAndDtype_QuotesThemBounded()
    {
        var path = SaveWithBiasKey(new string('k', 1_000_000), dtype: new string('D', 1_000_000));

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*field 'dtype' is 'DDDD*...', which is not one of*").Which.Message.Length.Should().BeLessThan(MaxMessageChars);
    }

    [Test]
    public void FromCheckpoint_SchedulerStateWithAHugeUnknownField_QuotesItBounded()
    {
        var path = SaveMlp(new Dictionary<string, string> { [GrowthScheduler.StateExtrasKey] = "{\"" + new string('q', 1_000_000) + "\":1}" });

        var act = () => GrowthSchedulerState.FromCheckpoint(DendriteCheckpoint.ReadManifest(path));

        act.Should().Throw<CheckpointCorruptedException>().Which.Message.Length.Should().BeLessThan(MaxMessageChars);
    }

    [Test]
    public void Load_TensorKeyWithANewlineAndAnEscape_QuotesThemEscaped()
    {
        var path = SaveWithBiasKey("fc1.bias\n\u001b[2Jforged line");

        var act = () => DendriteCheckpoint.Load(TestModels.Mlp(), path);

        act.Should().Throw<CheckpointMismatchException>().WithMessage(@"*fc1.bias\u000a\u001b[2Jforged line*").Which.Message.Should().NotContain("\n");
    }

    [Test]
    public void Resume_BestWeightsNameWithANewlineAndAHugeTail_QuotesItBoundedAndEscaped()
    {
        var handle = Dendrites.Wrap(TestModels.Mlp());
        var path = SaveMlp(new Dictionary<string, string>
        {
            [GrowthScheduler.StateExtrasKey] = new GrowthScheduler(handle).ExportState().ToJson(),
            [GrowthScheduler.BestWeightsExtrasKey] = "a\nforged log line" + new string('x', 100_000),
        });
        var loaded = DendriteCheckpoint.Load(TestModels.Mlp(), path);

        var act = () => GrowthScheduler.Resume(loaded);

        var message = act.Should().Throw<CheckpointCorruptedException>().WithMessage(@"*a\u000aforged log line*").Which.Message;
        message.Should().NotContain("\n");
        message.Length.Should().BeLessThan(MaxMessageChars);
    }

    // The MLP's checkpoint with fc1's bias under another key in the weights header (and another dtype, when given).
    private string SaveWithBiasKey(string key, string? dtype = null)
    {
        var path = SaveMlp();
        CheckpointForge.RewriteHeader(path, header =>
        {
            var node = header["fc1.bias"]!.DeepClone();
            header.Remove("fc1.bias");
            if (dtype is not null)
            {
                node["dtype"] = dtype;
            }

            header[key] = node;
        });
        return path;
    }
}
