using System;
using System.Collections.Generic;
using Dendritic.Testing;
using Dendritic.Tests.Support;
using NUnit.Framework;
using static TorchSharp.torch;

namespace Dendritic.Tests.Checkpoints;

/// <summary>
/// What the tests of hostile checkpoints share: a temporary folder per test, torch's generator seeded, and a real
/// checkpoint to change with <see cref="CheckpointForge"/>.
/// </summary>
public abstract class ForgedCheckpointFixture : TempFolderTest
{
    [SetUp]
    public void SeedRandom() => manual_seed(5);

    /// <summary>
    /// Wraps <paramref name="model"/> with the default options and saves it in <see cref="Folder"/>, with the state of
    /// the optimizer <paramref name="optimizer"/> builds on the handle when given.
    /// </summary>
    /// <returns>The checkpoint's path.</returns>
    protected string Save(nn.Module model, IReadOnlyDictionary<string, string>? extras = null, Func<DendriticModel, optim.Optimizer>? optimizer = null)
    {
        var handle = Dendrites.Wrap(model);
        var path = Temp.File("forged.dndt");
        DendriteCheckpoint.Save(handle, path, extras, optimizer?.Invoke(handle));
        return path;
    }

    /// <summary><see cref="Save"/> of <see cref="TestModels.Mlp"/>.</summary>
    protected string SaveMlp(IReadOnlyDictionary<string, string>? extras = null) => Save(TestModels.Mlp(), extras);
}
