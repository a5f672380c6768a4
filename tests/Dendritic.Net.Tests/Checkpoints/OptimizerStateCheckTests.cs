using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Dendritic.Tests.Support;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// Optimizer states whose digest is the recorded one but that cannot be trained with (written that way by other code):
/// <see cref="DendriteCheckpoint.LoadOptimizerState"/> refuses them with <see cref="CheckpointCorruptedException"/>
/// instead of letting the first <c>step()</c> fail with a bare libtorch or null-reference error, or turn the weights
/// into NaN. Most are made by saving an optimizer whose state was changed in memory, so the file is consistent.
/// </summary>
[TestFixture]
public sealed class OptimizerStateCheckTests : ForgedCheckpointFixture
{
    // Every optional tensor present (amsgrad, momentum, centered), so every field of each type is checked.
    private static readonly Dictionary<string, Func<IEnumerable<Parameter>, optim.Optimizer>> EveryOptimizer = new()
    {
        ["Adam"] = p => optim.Adam(p, 0.01, amsgrad: true),
        ["AdamW"] = p => optim.AdamW(p, 0.01, amsgrad: true),
        ["SGD"] = p => optim.SGD(p, 0.01, momentum: 0.9, nesterov: true),
        ["RMSprop"] = p => optim.RMSProp(p, 0.01, momentum: 0.9, centered: true),
        ["Adagrad"] = p => optim.Adagrad(p, 0.01),
        ["Adadelta"] = p => optim.Adadelta(p),
        ["Adamax"] = p => optim.Adamax(p),
        ["NAdam"] = p => optim.NAdam(p),
        ["RAdam"] = p => optim.RAdam(p),
        ["ASGD"] = p => optim.ASGD(p),
        ["Rprop"] = p => optim.Rprop(p),
    };

    private static IEnumerable<string> OptimizerNames => EveryOptimizer.Keys;

    [Test]
    public void LoadOptimizerState_EveryTorchSharpOptimizerAfterTraining_Loads([ValueSource(nameof(OptimizerNames))] string optimizer)
    {
        // None of the checks refuses a real state.
        var build = EveryOptimizer[optimizer];
        var path = Saved(build, _ => { });

        var act = () => LoadInto(path, build);

        act.Should().NotThrow();
    }

    [Test]
    public void LoadOptimizerState_UsersOwnOptimizerWithStateOutsideTorchSharpsRules_Loads()
    {
        // A factored moment, a sentinel of -1 and an infinite best are that optimizer's business, not corruption.
        var path = Saved(p => new UsersOwnOptimizer(p, 0.01), _ => { });
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        var optimizer = new UsersOwnOptimizer(loaded.Handle.TrainableParameters(), 0.01);

        DendriteCheckpoint.LoadOptimizerState(loaded, optimizer);

        var state = First<UsersOwnOptimizer.State>(optimizer);
        state.last_bad.Should().Be(0, "one step was taken before the save");
        state.best.Should().Be(double.PositiveInfinity);
    }

    [Test]
    public void LoadOptimizerState_NaNMoment_ThrowsCorruptedNamingTheParameterAndField()
    {
        var path = Saved(p => optim.Adam(p, 0.01), o => First<Adam.State>(o).exp_avg.fill_(double.NaN));

        var act = () => LoadInto(path, p => optim.Adam(p, 0.01));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*the state of parameter 'fc1.weight' has NaN values in 'exp_avg'*build a new one*");
    }

    [Test]
    public void LoadOptimizerState_InfiniteSecondMoment_Loads()
    {
        // Training itself can make one: a float32 gradient element above 1.8e19 squares to infinity, and the update
        // for it is then 0, so the weights stay finite and the state is saved as any other.
        var path = Saved(p => optim.Adam(p, 0.01), o => First<Adam.State>(o).exp_avg_sq.fill_(double.PositiveInfinity));

        var act = () => LoadInto(path, p => optim.Adam(p, 0.01));

        act.Should().NotThrow();
    }

    [Test]
    public void LoadOptimizerState_NaNMomentWithNonFiniteAllowed_Loads()
    {
        var path = Saved(p => optim.Adam(p, 0.01), o => First<Adam.State>(o).exp_avg.fill_(double.NaN));
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path, options: new CheckpointLoadOptions { AllowNonFiniteWeights = true });

        var act = () => DendriteCheckpoint.LoadOptimizerState(loaded, optim.Adam(loaded.Handle.TrainableParameters(), 0.01));

        act.Should().NotThrow("the same option lets NaN weights load");
    }

    [Test]
    public void LoadOptimizerState_AmsgradOnWithoutItsTensor_ThrowsCorruptedNamingTheMissingTensor()
    {
        // Saved with amsgrad off (no max_exp_avg_sq), the flag then set: TorchSharp's step would throw NullReferenceException.
        var path = Saved(p => optim.Adam(p, 0.01), o => ((Adam.Options)((ParamGroup)o.ParamGroups.First()).Options).amsgrad = true);

        var act = () => LoadInto(path, p => optim.Adam(p, 0.01));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*'fc1.weight' lacks 'max_exp_avg_sq', which its options need*");
    }

    [Test]
    public void LoadOptimizerState_MomentumBufferOfAnotherShape_ThrowsCorruptedNamingBothShapes()
    {
        var path = Saved(p => optim.SGD(p, 0.01, momentum: 0.9), o => First<SGD.State>(o).momentum_buffer = zeros(1));

        var act = () => LoadInto(path, p => optim.SGD(p, 0.01, momentum: 0.9));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*'fc1.weight' has 'momentum_buffer' of Float32 [1], but the parameter is Float32 [4, 3]*");
    }

    [Test]
    public void LoadOptimizerState_LearningRateBeyondFloatRange_ThrowsCorruptedNamingIt()
    {
        var path = Saved(p => optim.Adam(p, 0.01), o => o.ParamGroups.First().LearningRate = 1e300);

        var act = () => LoadInto(path, p => optim.Adam(p, 0.01));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*parameter group 0's 'LearningRate' = 1E+300*");
    }

    [Test]
    public void LoadOptimizerState_ShapeLengthBeyondAnyArray_ThrowsCorruptedNotOutOfMemory()
    {
        // TorchSharp allocates the shape array from the declared length before reading it.
        var path = Saved(p => optim.Adam(p, 0.01), _ => { });
        CheckpointForge.RewriteOptimizerState(path, state =>
        {
            // fc1.weight's exp_avg: Float32 (6), 2 dimensions, [4, 3]; its dimension count becomes 0x7FFFFFC8 (LEB128).
            var at = IndexOf(state, [6, 2, 4, 3]) + 1;
            return [.. state[..at], 0xC8, 0xFF, 0xFF, 0xFF, 0x07, .. state[(at + 1)..]];
        });

        var act = () => LoadInto(path, p => optim.Adam(p, 0.01));

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*does not read as the state of its recorded*");
    }

    [Test]
    public void Load_WeightsEntryCompressed_ThrowsCorruptedSayingSo()
    {
        // A deflated entry costs up to 1,032 times its stored size to read; the writer never compresses weights.
        var path = Saved(p => optim.Adam(p, 0.01), _ => { });
        var weights = CheckpointForge.ReadEntry(path, "weights.safetensors");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            zip.GetEntry("weights.safetensors")!.Delete();
            using var entry = zip.CreateEntry("weights.safetensors", CompressionLevel.Optimal).Open();
            entry.Write(weights);
        }

        var act = () => DendriteCheckpoint.Load(TestModels.TanhMlp(), path);

        act.Should().Throw<CheckpointCorruptedException>().WithMessage("*entry 'weights.safetensors' is compressed*");
    }

    /// <summary>A checkpoint of a trained TanhMlp with the optimizer <paramref name="build"/> makes, after <paramref name="change"/>.</summary>
    private string Saved(Func<IEnumerable<Parameter>, optim.Optimizer> build, Action<optim.Optimizer> change)
    {
        var model = TestModels.TanhMlp();
        var handle = Dendrites.Wrap(model, new WrapOptions { InitialDendrites = 1 });
        var optimizer = build(handle.TrainableParameters());
        QuickTraining.SquareOutputStep(model, optimizer);
        using (no_grad())
        {
            change(optimizer);
        }

        var path = Path.Combine(Folder, "run.dndt");
        DendriteCheckpoint.Save(handle, path, optimizer: optimizer);
        return path;
    }

    private static void LoadInto(string path, Func<IEnumerable<Parameter>, optim.Optimizer> build)
    {
        var loaded = DendriteCheckpoint.Load(TestModels.TanhMlp(), path);
        DendriteCheckpoint.LoadOptimizerState(loaded, build(loaded.Handle.TrainableParameters()));
    }

    private static T First<T>(optim.Optimizer optimizer) => (T)(object)((OptimizerHelper)optimizer).state_dict().State[0];

    private static int IndexOf(byte[] bytes, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= bytes.Length; i++)
        {
            if (bytes.AsSpan(i, pattern.Length).SequenceEqual(pattern))
            {
                return i;
            }
        }

        throw new InvalidOperationException("Pattern not found.");
    }
}
