using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Distributed;

/// <summary>
/// A <see cref="GrowthScheduler"/> for data-parallel training: every rank calls <see cref="Step"/> with the score of
/// its own validation shard; the scores are combined (weighted by sample count) so that every rank hands the same
/// score to its scheduler and makes the same decision; after a change of the model, every rank checks that it has the
/// same structure and takes rank 0's weights, so that the added dendrites are identical. Only rank 0 writes
/// checkpoints (with its optimizer's state when given one, which every rank loads after <see cref="Resume"/>). A rank whose step throws aborts the group, so that the others stop instead of waiting.
/// </summary>
public sealed class DistributedGrowthScheduler
{
    // Held while an in-process rank seeds torch's generator and draws new dendrite sets (see the constructor).
    private static readonly object SharedGeneratorGate = new();
    private readonly DataParallel _sync;
    private long _seed;
    private readonly ILogger _logger;

    // Set by Resume: the checkpoint whose optimizer state LoadOptimizerState loads. Dropped at the first Step, after
    // which that state is out of date (as GrowthScheduler.Fit drops it).
    private LoadedCheckpoint? _resumedFrom;

    /// <summary>
    /// Builds the scheduler on every rank and synchronizes the model: same structure checked, rank 0's weights
    /// broadcast. Call it on every rank at the same point, after wrapping the same model.
    /// </summary>
    /// <param name="communicator">The group.</param>
    /// <param name="model">This rank's handle (the same architecture everywhere).</param>
    /// <param name="options">Scheduler settings, the same on every rank; best weights must stay in memory.</param>
    /// <param name="seed">Seed of torch's generators before each decision, so that new dendrites start equal on every rank (they are then overwritten by rank 0's anyway); default 0.</param>
    /// <exception cref="InvalidOptionsException">
    /// Invalid options, or a <see cref="GrowthOptions.BestWeightsDirectory"/> (every rank would write into one folder); this rank
    /// aborts the group first, so that the others stop with <see cref="RankFailedException"/>.
    /// </exception>
    /// <exception cref="RankFailedException">The ranks' models differ, or another rank failed.</exception>
    public DistributedGrowthScheduler(ICommunicator communicator, DendriticModel model, GrowthOptions? options = null, long seed = 0)
        : this(communicator, model, Build(communicator, model, options), seed)
    {
    }

    private DistributedGrowthScheduler(ICommunicator communicator, DendriticModel model, GrowthScheduler scheduler, long seed)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        Communicator = communicator;
        Model = model;
        Scheduler = scheduler;
        Seed = seed;
        if (communicator is InProcessCommunicator)
        {
            // Ranks in one process (InProcessGroup's threads) share torch's generator: each reseeds it and draws its new
            // sets alone, so every rank draws the same numbers and rank 0's, which every rank keeps, repeat from run to
            // run. Only the draw is held, never a collective: the rest of Step (candidate training and the
            // CandidateLosses it calls) runs on every rank at once.
            scheduler.DrawScope = draw =>
            {
                lock (SharedGeneratorGate)
                {
                    SeedGenerators(_seed);
                    return draw();
                }
            };
        }
        _logger = model.Options.Logger;
        _sync = new DataParallel(communicator);
        Guard(() => _sync.BroadcastParameters(model.Model));
    }

    /// <summary>The group.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>This rank's handle.</summary>
    public DendriticModel Model { get; }

    /// <summary>
    /// This rank's scheduler (the same state on every rank). Internal: its <c>Step</c>, <c>Fit</c>, <c>Finish</c> and
    /// <c>SaveCheckpoint</c> do not synchronise the ranks, so the scheduler is read through the members below and
    /// driven through this type only.
    /// </summary>
    internal GrowthScheduler Scheduler { get; }

    /// <summary>The options every rank runs with (<see cref="GrowthScheduler.Options"/>).</summary>
    public GrowthOptions Options => Scheduler.Options;

    /// <summary>The phase, the same on every rank (<see cref="GrowthScheduler.Phase"/>).</summary>
    public GrowthPhase Phase => Scheduler.Phase;

    /// <summary>True once growth has finished, on every rank alike (<see cref="GrowthScheduler.IsCompleted"/>).</summary>
    public bool IsCompleted => Scheduler.IsCompleted;

    /// <summary>
    /// The best global score so far (the ranks' scores weighted by their sample counts, as <see cref="Step"/> combines them), in the
    /// caller's score units, direction per <see cref="GrowthOptions.Mode"/>; null before the first step.
    /// </summary>
    public double? BestScore => Scheduler.BestScore;

    /// <summary>One entry per step, the same on every rank (<see cref="GrowthScheduler.History"/>).</summary>
    public GrowthHistory History => Scheduler.History;

    /// <summary>The seed of torch's generators before each decision (plus the number of decisions so far); ranks on threads of one process, which share the generators, seed them just before drawing new sets instead.</summary>
    public long Seed { get; }

    /// <summary>Whether this rank writes files (checkpoints, reports): rank 0 only.</summary>
    public bool IsWriter => Communicator.Rank == 0;

    /// <summary>The number of samples the last combined score was taken over (all ranks).</summary>
    public long LastTotalSamples { get; private set; }

    /// <summary>
    /// Whether, at the last model change, the ranks' weights were already identical before rank 0's were broadcast
    /// (they should be: same seed, same decision); null before the first change.
    /// </summary>
    public bool? LastChangeWasIdentical { get; private set; }

    /// <summary>
    /// Combines the ranks' validation scores and applies the scheduler's decision on every rank. Call it on every rank
    /// after each validation pass, like <see cref="GrowthScheduler.Step"/>; rebuild the optimizer when the decision says so.
    /// </summary>
    /// <param name="localScore">The mean score over this rank's validation samples (any value when it had none).</param>
    /// <param name="localSamples">How many samples this rank validated on; at least 0, and more than 0 on some rank.</param>
    /// <param name="learningRate">As for <see cref="GrowthScheduler.Step"/>; the same on every rank.</param>
    /// <param name="epochTime">As for <see cref="GrowthScheduler.Step"/>.</param>
    /// <returns>The decision, the same on every rank; its <see cref="GrowthDecision.Score"/> is the combined score.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A negative sample count or a non-finite local score with samples (this rank aborts the group first, so the others
    /// stop with <see cref="RankFailedException"/> naming it), or no samples on any rank (every rank throws).
    /// </exception>
    /// <exception cref="RankFailedException">Another rank failed, or the ranks disagree on the decision, the learning rate or the model.</exception>
    /// <exception cref="CollectiveTimeoutException">A rank did not arrive within the communicator's timeout.</exception>
    public GrowthDecision Step(double localScore, long localSamples, double? learningRate = null, TimeSpan? epochTime = null)
    {
        if (localSamples < 0 || (localSamples > 0 && !double.IsFinite(localScore)))
        {
            // Before any collective, this rank only: it aborts the group so that the others stop in their first
            // collective of this step instead of waiting for it there until the timeout.
            var (name, value, problem) = localSamples < 0
                ? (nameof(localSamples), (object)localSamples, "the sample count cannot be negative; pass how many validation samples this rank scored (0 for none)")
                : (nameof(localScore), localScore, "the validation score must be a finite number; check this rank's validation pass for a diverged loss");
            AbortGroup(string.Create(CultureInfo.InvariantCulture, $"rank {Communicator.Rank}: {name} = {value}: {problem}"));
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"DistributedGrowthScheduler.Step on rank {Communicator.Rank}: {problem}."));
        }

        _resumedFrom = null;
        return Guard(() =>
        {
            var score = Combine(localScore, localSamples);
            _seed = Seed + Scheduler.History.Entries.Count;
            if (Scheduler.DrawScope is null)
            {
                // One process per rank: each rank's own generators. Ranks on threads of one process share them and seed
                // them inside the draw's lock (DrawScope); seeding here too could reset them under another rank's draw.
                SeedGenerators(_seed);
            }

            var decision = Scheduler.Step(score, learningRate, epochTime);
            CheckSameDecision(decision);
            if (decision.Action != GrowthAction.NoChange)
            {
                LastChangeWasIdentical = _sync.ParametersEqual(Model.Model);
                _sync.BroadcastParameters(Model.Model);
                DistributedLog.ModelSynchronized(_logger, Communicator.Rank, decision.Action, LastChangeWasIdentical.Value);
            }

            return decision;
        });
    }

    /// <summary>
    /// <see cref="GrowthScheduler.Finish"/> on every rank, for a loop that stops on a budget of its own: each rank puts
    /// its best model back (the same on every rank, as every decision was), then takes rank 0's values, as after every
    /// change. Call it on every rank at the same point.
    /// </summary>
    /// <returns>Whether the best model was put back (the same on every rank).</returns>
    /// <exception cref="RankFailedException">Another rank failed, or the ranks' models differ in structure afterwards.</exception>
    /// <exception cref="CollectiveTimeoutException">A rank did not arrive within the communicator's timeout.</exception>
    public bool Finish() => Guard(() =>
    {
        var restored = Scheduler.Finish();
        _sync.BroadcastParameters(Model.Model);
        return restored;
    });

    /// <summary>
    /// Rank 0 saves the checkpoint (<see cref="GrowthScheduler.SaveCheckpoint"/>), with the state of its
    /// <paramref name="optimizer"/> when given; then every rank waits for it, so that no rank runs ahead of a
    /// checkpoint that might not exist.
    /// </summary>
    /// <param name="path">The file, as seen by rank 0.</param>
    /// <param name="extras">More extras.</param>
    /// <param name="optimizer">
    /// This rank's optimizer, whose state goes into the checkpoint file itself, as for
    /// <see cref="GrowthScheduler.SaveCheckpoint"/>; none when null. Only rank 0's is written (the ranks' gradients are
    /// averaged, so their optimizers hold the same state) and the other ranks' is not read. After <see cref="Resume"/>,
    /// every rank loads it with <see cref="LoadOptimizerState"/>. Ignored once the scheduler is complete, as for
    /// <see cref="GrowthScheduler.SaveCheckpoint"/>: a loop that saves every epoch with the optimizer it holds goes
    /// through the epoch that completed the run, whose removal of sets left that optimizer out of date.
    /// </param>
    /// <returns>The manifest on rank 0; null on the others.</returns>
    /// <exception cref="RankFailedException">Rank 0 failed to write (every rank sees it), or another rank failed.</exception>
    /// <exception cref="ArgumentException">On rank 0 (the others throw <see cref="RankFailedException"/>), before completion: its <paramref name="optimizer"/> keeps its state natively, or holds a parameter that is not the model's, or one twice; nothing is written.</exception>
    public CheckpointManifest? SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? extras = null, optim.Optimizer? optimizer = null) =>
        Guard(() =>
        {
            var manifest = IsWriter ? Scheduler.SaveCheckpoint(path, extras, optimizer) : null;
            Communicator.Barrier();
            return manifest;
        });

    /// <summary>
    /// Loads the optimizer state saved with the checkpoint this scheduler was resumed from (<see cref="SaveCheckpoint"/>
    /// given an optimizer) into <paramref name="optimizer"/> on every rank: each rank reads the one file (nobody writes)
    /// with every check of <see cref="DendriteCheckpoint.LoadOptimizerState"/>, and with the load options given to
    /// <see cref="Resume"/>, then waits for the others, so that a
    /// rank that cannot load it stops every rank here. Call it on every rank at the same point, after
    /// <see cref="Resume"/> and before the first <see cref="Step"/>, with an optimizer of the saved type built from
    /// <c>Model.TrainableParameters()</c>; every rank then goes on from the state rank 0 saved.
    /// </summary>
    /// <param name="optimizer">This rank's freshly built optimizer.</param>
    /// <exception cref="InvalidOperationException">This scheduler was not built by <see cref="Resume"/>, or <see cref="Step"/> was called since (the saved state is out of date).</exception>
    /// <exception cref="CheckpointException">On a rank that cannot load the state, as <see cref="DendriteCheckpoint.LoadOptimizerState"/> throws it (no state saved, another optimizer type or parameters, a damaged state, or a file replaced since <see cref="Resume"/>); the other ranks throw <see cref="RankFailedException"/>.</exception>
    /// <exception cref="RankFailedException">Another rank could not load it.</exception>
    /// <exception cref="CollectiveTimeoutException">A rank did not arrive within the communicator's timeout.</exception>
    public void LoadOptimizerState(optim.Optimizer optimizer) => Guard(() =>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var checkpoint = _resumedFrom ?? throw new InvalidOperationException(
            "LoadOptimizerState loads the optimizer state of the checkpoint DistributedGrowthScheduler.Resume read, before the first Step: this scheduler "
            + "was not resumed, or Step was called since, so that state is out of date. Call it right after Resume, on every rank.");
        DendriteCheckpoint.LoadOptimizerState(checkpoint, optimizer);
        Communicator.Barrier();
    });

    /// <summary>
    /// Resumes a run on every rank from one checkpoint (every rank reads the same file; nobody writes): loads the model,
    /// resumes the scheduler, then synchronizes the ranks as the constructor does. The optimizer state saved with the
    /// checkpoint is loaded next, into each rank's new optimizer, with <see cref="LoadOptimizerState"/>.
    /// </summary>
    /// <param name="communicator">The group.</param>
    /// <param name="freshModel">This rank's freshly built model, as for <see cref="DendriteCheckpoint.Load"/>.</param>
    /// <param name="path">The checkpoint, readable by every rank.</param>
    /// <param name="options">As for <see cref="GrowthScheduler.Resume"/>.</param>
    /// <param name="loadOptions">
    /// As for <see cref="DendriteCheckpoint.Load"/>: the caps, <see cref="CheckpointLoadOptions.AllowNonFiniteWeights"/>,
    /// the <see cref="CheckpointLoadOptions.ModuleHosts"/> the model was wrapped with, and the handle's
    /// <see cref="CheckpointLoadOptions.Logger"/>; <see cref="CheckpointLoadOptions.Default"/> when null. They hold for
    /// the best weights and for <see cref="LoadOptimizerState"/> too. Give every rank the same.
    /// </param>
    /// <param name="sampleInput">As for <see cref="DendriteCheckpoint.Load"/>.</param>
    /// <param name="seed">As for the constructor.</param>
    /// <returns>The scheduler.</returns>
    /// <exception cref="InvalidOptionsException">On a rank whose <paramref name="loadOptions"/> or <paramref name="options"/> are invalid (the others throw <see cref="RankFailedException"/>).</exception>
    /// <exception cref="CheckpointException">On a rank that cannot load the file or resume from it, as <see cref="DendriteCheckpoint.Load"/> and <see cref="GrowthScheduler.Resume"/> throw it (a <see cref="CheckpointCorruptedException"/> or <see cref="CheckpointMismatchException"/> among them; the others throw <see cref="RankFailedException"/>).</exception>
    /// <exception cref="ArgumentException">On a rank whose <paramref name="options"/> differ from the ones the checkpoint records, as <see cref="GrowthScheduler.Resume"/> throws it (the others throw <see cref="RankFailedException"/>).</exception>
    /// <exception cref="System.IO.FileNotFoundException">On a rank that finds no file at <paramref name="path"/>, or not the best-weights file beside it (the others throw <see cref="RankFailedException"/>).</exception>
    /// <exception cref="RankFailedException">Another rank could not load the file (every rank sees which and why), or the ranks differ.</exception>
    public static DistributedGrowthScheduler Resume(ICommunicator communicator, nn.Module freshModel, string path, GrowthOptions? options = null, CheckpointLoadOptions? loadOptions = null, Tensor? sampleInput = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        GrowthScheduler scheduler;
        try
        {
            // GrowthScheduler.Resume clears the handle's resume-point mark, so its saves and exports warn of nothing (1103).
            var loaded = DendriteCheckpoint.Load(freshModel, path, loadOptions, sampleInput);
            scheduler = GrowthScheduler.Resume(loaded, CheckOptions(options));
            return new DistributedGrowthScheduler(communicator, loaded.Handle, scheduler, seed) { _resumedFrom = loaded };
        }
        catch (Exception e) when (e is not DistributedException)
        {
            communicator.Abort($"rank {communicator.Rank} could not resume from '{path}': {e.Message}");
            throw;
        }
    }

    /// <summary>The scheduler of the public constructor; a rank that cannot build it aborts the group, as a failing step does.</summary>
    private static GrowthScheduler Build(ICommunicator communicator, DendriticModel model, GrowthOptions? options)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        try
        {
            return new GrowthScheduler(model, CheckOptions(options));
        }
        catch (Exception e)
        {
            // The other ranks are on their way to the constructor's broadcast; without this they would wait there
            // for the whole collective timeout.
            communicator.Abort($"rank {communicator.Rank} could not build its DistributedGrowthScheduler: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    private static GrowthOptions? CheckOptions(GrowthOptions? options)
    {
        if (options?.BestWeightsDirectory is { } directory)
        {
            throw new InvalidOptionsException($"GrowthOptions.BestWeightsDirectory ('{directory}') is not supported with data parallelism: every rank would write its best weights into the same folder. Leave it null to keep them in memory (the default).");
        }

        return options;
    }

    private double Combine(double localScore, long localSamples)
    {
        double combined;
        using (var scope = NewDisposeScope())
        {
            var sums = tensor(new[] { localSamples > 0 ? localScore * localSamples : 0, localSamples }, ScalarType.Float64).to(Communicator.Device);
            Communicator.AllReduce(sums, ReduceOp.Sum);
            var values = sums.cpu().data<double>().ToArray();
            if (values[1] <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(localSamples), localSamples, "No rank validated on any sample: give each rank a shard of the validation set.");
            }

            // Rank 0's quotient for everyone: equal bits on every rank, whatever the reduction order.
            var score = tensor(new[] { values[0] / values[1] }, ScalarType.Float64).to(Communicator.Device);
            Communicator.Broadcast(score, 0);
            combined = score.cpu().item<double>();
            LastTotalSamples = (long)values[1];
        }

        DistributedLog.ScoresCombined(_logger, Communicator.Rank, localScore, localSamples, Communicator.WorldSize, combined, LastTotalSamples);
        return combined;
    }

    private void CheckSameDecision(GrowthDecision d)
    {
        // The learning rate too (-1 for none; a rate is at least 0): ranks handed different rates would rebuild
        // different optimizers after a growth, and their models would part from then on.
        var signature = new double[] { (int)d.Action, (int)d.Reason, d.DendriteCount, d.Validation, (int)d.Phase, d.BestScore, d.LearningRate ?? -1 };
        if (!_sync.Agree(signature))
        {
            throw new RankFailedException(-1, "decision mismatch", $"The ranks made different growth decisions (rank {Communicator.Rank}: {d.Action}, {d.Reason}, {d.DendriteCount} sets, learning rate {d.LearningRate?.ToString("R", System.Globalization.CultureInfo.InvariantCulture) ?? "none"}): their schedulers' states or the learning rates passed to Step differ. Start every rank from the same checkpoint and options, and pass every rank the same learning rate.");
        }
    }

    /// <summary>Runs a piece of the protocol; a local failure aborts the group so that the others stop too.</summary>
    private T Guard<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is not DistributedException)
        {
            AbortGroup($"rank {Communicator.Rank}: {e.GetType().Name}: {e.Message}");
            throw;
        }
    }

    /// <summary>Logs this rank's failure and stops the group, so that the other ranks throw <see cref="RankFailedException"/> with <paramref name="reason"/>.</summary>
    private void AbortGroup(string reason)
    {
        DistributedLog.Aborted(_logger, Communicator.Rank, reason);
        Communicator.Abort(reason);
    }

    private void Guard(Action body) => Guard(() =>
    {
        body();
        return 0;
    });

    private void SeedGenerators(long seed)
    {
        torch.random.manual_seed(seed);
        if (Communicator.Device.type == DeviceType.CUDA)
        {
            torch.cuda.manual_seed_all(seed);
        }
    }
}
