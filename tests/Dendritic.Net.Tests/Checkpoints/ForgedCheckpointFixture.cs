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
public abstract class ForgedCheckpointFixture
{
    private TempFolder _temp = null!;

    /// <summary>This test's temporary folder.</summary>
    protected string Folder => _temp.Path;

    [SetUp]
    public void CreateFolder()
    {
        manual_seed(5);
        _temp = new TempFolder();
    }

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    /// <summary>
    /// Wraps <paramref name="model"/> with the default options and saves it in <see cref="Folder"/>, with the state of
    /// the optimizer <paramref name="optimizer"/> builds on the handle when given.
    /// </summary>
    /// <returns>The checkpoint's path.</returns>
    protected string Save(nn.Module model, IReadOnlyDictionary<string, string>? extras = null, Func<DendriticModel, optim.Optimizer>? optimizer = null)
    {
        var handle = Dendrites.Wrap(model);
        var path = _temp.File("forged.dndt");
        DendriteCheckpoint.Save(handle, path, extras, optimizer?.Invoke(handle));
        return path;
    }

    /// <summary><see cref="Save"/> of <see cref="TestModels.Mlp"/>.</summary>
    protected string SaveMlp(IReadOnlyDictionary<string, string>? extras = null) => Save(TestModels.Mlp(), extras);
}
