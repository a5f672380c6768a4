using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <summary>The scheduler's log messages. Event ids are stable (3001-3099) so log filters and dashboards can key on them.</summary>
/// <remarks>
/// Scores, rates and correlations are rendered to a few significant digits (a float32 loss read as a double prints 17
/// of which 9 are noise); the structured values a logging provider records keep full precision.
/// </remarks>
internal static partial class GrowthLog
{
    // A decision that keeps the structure: the score was measured with the sets the model still has.
    private const string Decision = "Validation {Validation}: score {Score:G6} with {Dendrites} dendrite set(s) per layer, best {BestScore:G6}. {Explanation}";

    // A decision that may change the structure (growth, retry, completion): the score was measured with the sets the
    // model had before it (the history CSV's dendrites column), and Dendrites is the count after it, as in 3001-3004.
    private const string Changed = "Validation {Validation}: score {Score:G6} with {ScoredDendrites} dendrite set(s) per layer, best {BestScore:G6}; now {Dendrites} dendrite set(s) per layer. {Explanation}";

    // No "best" here: without FirstScoreIsBest the first score is not a best, and with it the best is this score.
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Validation {Validation}: score {Score:G6} with {Dendrites} dendrite set(s) per layer. {Explanation}")]
    public static partial void FirstScore(ILogger logger, int validation, double score, int dendrites, string explanation);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = Decision)]
    public static partial void Improved(ILogger logger, int validation, double score, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Debug, Message = Decision)]
    public static partial void CycleBest(ILogger logger, int validation, double score, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = Decision)]
    public static partial void NoImprovement(ILogger logger, int validation, double score, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = Decision)]
    public static partial void Cooldown(ILogger logger, int validation, double score, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = Changed)]
    public static partial void Grew(ILogger logger, int validation, double score, int scoredDendrites, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = Changed)]
    public static partial void Retried(ILogger logger, int validation, double score, int scoredDendrites, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = Changed)]
    public static partial void RetriesExhausted(ILogger logger, int validation, double score, int scoredDendrites, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = Changed)]
    public static partial void MaxDendritesReached(ILogger logger, int validation, double score, int scoredDendrites, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = Changed)]
    public static partial void EarlyStopped(ILogger logger, int validation, double score, int scoredDendrites, double bestScore, int dendrites, string explanation);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Dendrites were added at learning rate {LearningRate:G3}, below {Threshold:G3}: new dendrites will barely train. Raise the rate (GrowthOptions.LearningRateRestartFactor) or stop reducing it before growth.")]
    public static partial void LowLearningRate(ILogger logger, double learningRate, double threshold);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Debug, Message = "Cascade-correlation candidates, epoch {Epoch}: summed correlation S = {Correlation:G4}.")]
    public static partial void CandidateEpoch(ILogger logger, int epoch, double correlation);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Information, Message = "Cascade-correlation candidates trained for {Epochs} epoch(s) in {Seconds:F1} s to S = {Correlation:G4} (per layer: {LayerCorrelations}); frozen and connected with u = 0.")]
    public static partial void CandidatesConnected(ILogger logger, int epochs, double seconds, double correlation, string layerCorrelations);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Scheduler state imported: {Validations} validation(s), phase {Phase}, {Dendrites} dendrite set(s) per layer.")]
    public static partial void StateImported(ILogger logger, int validations, GrowthPhase phase, int dendrites);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Cascade-correlation pool of {PoolSize} candidates per layer: per neuron the best candidate was kept, installed S = {Correlation:G4} (best single candidate {BestSingleCandidate:G4}).")]
    public static partial void PoolInstalled(ILogger logger, int poolSize, double correlation, double bestSingleCandidate);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Training finished by the caller after {Validations} validation(s): best score {BestScore:G6}, {Dendrites} dendrite set(s) per layer, best model restored: {Restored}.")]
    public static partial void Finished(ILogger logger, int validations, double? bestScore, int dendrites, bool restored);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "Validation {Validation}: the {Parameters} trainable dendrite parameter tensor(s) added at validation {GrewAt} have not changed since, so no optimizer step reached them. Rebuild the optimizer from GrowthDecision.TrainableParameters after every growth (GrowthDecision.RebuildOptimizer), or let GrowthScheduler.Fit run the loop.")]
    public static partial void UntrainedDendrites(ILogger logger, int validation, int parameters, int grewAt);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Validation {Validation}: none of the {Scores} scores so far was better than the first under GrowthOptions.Mode {Mode}, and they moved the other way (from {First:G6} to {Last:G6}), so none counted as an improvement and dendrites are being added. If the score is meant the other way round (a loss: lower is better; an accuracy: higher is better), set GrowthOptions.Mode = {Other}; otherwise the model got worse from the start (over-fitting, or too high a learning rate) or is not learning.")]
    public static partial void ScoreGettingWorse(ILogger logger, int validation, int scores, double first, double last, ScoreMode mode, ScoreMode other);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Warning, Message = "Another GrowthScheduler on this handle has seen {Validations} validation(s) and has not completed; both would add, revert and restore the same dendrites. Keep one: call Finish() on the earlier scheduler (it puts its best model back) before building another.")]
    public static partial void SecondScheduler(ILogger logger, int validations);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Information, Message = "Cascade-correlation candidate training started: {Layers} layer(s), {Candidates} candidate(s) per layer, at most {MaxEpochs} epoch(s) over CandidateLosses (stopping after {Patience} without improvement).")]
    public static partial void CandidatesStarted(ILogger logger, int layers, int candidates, int maxEpochs, int patience);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Cascade-correlation candidates of {Count} of {Layers} layer(s) learned no correlation with their layer's error: {LayerCorrelations} (S below {Level:G2} of the most it could be, Σ|a − ā||e − ē|). The candidates' activations or the layer's error signal do not vary: the layer's inputs are constant (dead inputs, e.g. ReLUs before it that output 0 for every sample), or no error reaches its output (the loss does not depend on it, or ReLUs after it pass no gradient), or each batch has a single pattern (batch size 1 on a Linear layer), or CandidateLosses never runs through the layer. The sets were connected anyway and add nothing; check the inputs of those layers and CandidateLosses.")]
    public static partial void CandidatesUncorrelated(ILogger logger, int count, int layers, string layerCorrelations, double level);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Information, Message = "The run starts with {Dendrites} dendrite set(s) per layer, which count towards GrowthOptions.MaxDendrites ({MaxDendrites}). WrapOptions.InitialDendrites is 1 by default; wrap with InitialDendrites = 0 for the scheduler to add every set.")]
    public static partial void StartsWithDendrites(ILogger logger, int dendrites, int maxDendrites);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Information, Message = "Fit spent its budget of {Epochs} epoch(s) before growth completed: the model is the last epoch's, with {Dendrites} dendrite set(s) per layer; {Best}")]
    public static partial void FitBudgetSpent(ILogger logger, int epochs, int dendrites, string best);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "Validation {Validation}: dendrites were added to layer(s) whose dendrites are switched off ({Layers}): the new sets will not run or train there until those layers are switched on again (WrappedLayer.Enabled = true), and warning 3016 may follow for them.")]
    public static partial void GrewSwitchedOff(ILogger logger, int validation, string layers);
}
