using Microsoft.Extensions.Logging;

namespace Dendritic;

/// <summary>
/// Every log message of the library, with stable event ids: 1000-1099 wrapping, 1100-1199 checkpoints, 1200-1299 activation monitoring (MonitorLog),
/// 3000-3099 the growth scheduler (GrowthLog).
/// </summary>
internal static partial class DendriticLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Wrapped {LayerCount} layers ({Replaced} replaced, {Hooked} hooked) with {Dendrites} dendrite sets each; targets: {Targets}")]
    public static partial void Wrapped(ILogger logger, int layerCount, int replaced, int hooked, int dendrites, string targets);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Layer {Layer} ({Spec}) attached by {Mode}")]
    public static partial void LayerAttached(ILogger logger, string layer, string spec, AttachMode mode);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Added {Count} dendrite sets to {LayerCount} layers; now {Total} per layer, {NewParameters} new parameters (an optimizer built before holds none of them: build it again from TrainableParameters())")]
    public static partial void DendritesAdded(ILogger logger, int count, int layerCount, int total, long newParameters);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Removed the last {Count} dendrite sets from {LayerCount} layers (an optimizer built before holds their freed parameters: build it again from TrainableParameters())")]
    public static partial void DendritesRemoved(ILogger logger, int count, int layerCount);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Unwrapped {LayerCount} layers; the model has its original structure again")]
    public static partial void Unwrapped(ILogger logger, int layerCount);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Check pass: every one of {LayerCount} wrapped layers ran its dendrites")]
    public static partial void Verified(ILogger logger, int layerCount);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Native modules hold {Share:P0} of the model's parameters ({NativeParameters} of {TotalParameters}) and carry no dendrites: {Modules}. {Advice}")]
    public static partial void NativeModulesSkipped(ILogger logger, double share, long nativeParameters, long totalParameters, string modules, string advice);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Adopted {LayerCount} hand-built dendrite layers")]
    public static partial void Adopted(ILogger logger, int layerCount);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Saved checkpoint {Path} ({Tensors} tensors, {Bytes} bytes)")]
    public static partial void CheckpointSaved(ILogger logger, string path, int tensors, long bytes);

    // Load wraps the fresh model with no sets (event 1000 says 0) and then restores the checkpoint's: this says how many.
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Loaded checkpoint {Path} written by Dendritic.Net {Version}: {LayerCount} wrapped layers restored with {DendriteSets}")]
    public static partial void CheckpointLoaded(ILogger logger, string path, string version, int layerCount, string dendriteSets);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Loaded the optimizer state of checkpoint {Path} into the {Optimizer} ({Parameters} parameters in {Groups} group(s), {Bytes} bytes)")]
    public static partial void OptimizerStateLoaded(ILogger logger, string path, string optimizer, int parameters, int groups, long bytes);

    // The trap this names: a checkpoint saved every epoch holds the last epoch's model, which Load gives without a word
    // and Save or the ONNX export would then ship as the result. Logged there, not at Load, whose next step may be Resume.
    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "{Action} a model loaded from {Path} without GrowthScheduler.Resume: that checkpoint was saved by GrowthScheduler.SaveCheckpoint during a run ({Phase}, validation {Validations}), so these are the last epoch's weights, not the best; the best model is {BestPath}, which DendriteCheckpoint.Load deploys")]
    public static partial void UnresumedResumePointWritten(ILogger logger, string action, string path, GrowthPhase phase, int validations, string bestPath);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Checkpoint {Path} is a resume point saved by GrowthScheduler.SaveCheckpoint during a run ({Phase}, validation {Validations}), for GrowthScheduler.Resume; the best model is {BestPath}")]
    public static partial void ResumePointLoaded(ILogger logger, string path, GrowthPhase phase, int validations, string bestPath);

    // The resume point logs 1100; this is the other file of the pair, the one to deploy.
    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Saved best model {Path} ({Bytes} bytes) beside resume point {ResumePoint}; DendriteCheckpoint.Load deploys it")]
    public static partial void BestModelSaved(ILogger logger, string path, long bytes, string resumePoint);

    // The other trap of saving during a run: DendriteCheckpoint.Save writes the model only, which loads but cannot resume.
    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Saved checkpoint {Path} with DendriteCheckpoint.Save while this handle's GrowthScheduler is running ({Phase}, validation {Validations}): the file holds the model only, without the scheduler's state or its best model, so GrowthScheduler.Resume cannot continue the run from it. To save a resume point, call scheduler.SaveCheckpoint(path)")]
    public static partial void RunningSchedulerNotSaved(ILogger logger, string path, GrowthPhase phase, int validations);
}
