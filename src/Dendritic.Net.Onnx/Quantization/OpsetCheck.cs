using System.Globalization;
using System.Linq;
using Dendritic.Onnx.Proto;

namespace Dendritic.Onnx.Quantization;

/// <summary>
/// Checks the model's import of the default ONNX operator set, which gives every node its meaning. The quantizer
/// writes per-channel DequantizeLinear, which needs opset 13, and knows what the operators it reads and writes mean up
/// to opset <see cref="Newest"/>. A model from 13 to <see cref="Newest"/> keeps its opset (OnnxExporter writes 17); one
/// below 13 is raised to 13 only when every node means at 13 what it meant before (<see cref="OperatorHistory"/>).
/// Before, every import below 13 was raised without a look at the nodes, so a valid opset-11 model could come out
/// invalid (a Squeeze with an axes attribute) or computing something else (a Softmax over one axis instead of over
/// all axes from it).
/// </summary>
internal static class OpsetCheck
{
    /// <summary>The oldest opset the quantized model can have: per-channel QuantizeLinear/DequantizeLinear.</summary>
    public const int Required = 13;

    /// <summary>
    /// The newest opset the quantizer accepts: the newest ONNX Runtime 1.31.1 (the tests' runtime) supports, from ONNX
    /// 1.21. The operators the quantizer reads or writes last changed at 25 (QuantizeLinear, DequantizeLinear, Cast),
    /// 22 (Conv), 14 (Mul, Add), 13 (Gemm, MatMul), 11 (DynamicQuantizeLinear) and 10 (MatMulInteger, ConvInteger),
    /// each time in element types and attributes it leaves at their defaults; 26 and ONNX 1.22's 27 changed none of
    /// them. A newer opset may redefine one, which the quantizer cannot know.
    /// </summary>
    public const int Newest = 26;

    /// <summary>What to tell the caller to do about an opset the quantizer does not take: the one OnnxExporter writes.</summary>
    private static readonly string ConvertAdvice = string.Create(CultureInfo.InvariantCulture, $"Convert the model with ONNX's version converter (in Python: onnx.save_model(onnx.version_converter.convert_version(onnx.load(path), {OnnxExporter.OpsetVersion}), out), or any opset from {Required} to {Newest}), then quantize those bytes.");

    /// <summary>The model's one import of the default domain ("" or its alias "ai.onnx"), checked to be in range.</summary>
    /// <exception cref="OnnxQuantizationException">No default import, more than one, or a version below 1 or above <see cref="Newest"/>.</exception>
    public static OperatorSetIdProto DefaultImport(ModelProto model)
    {
        var imports = model.OpsetImport.Where(o => o.Domain.Length == 0 || o.Domain == "ai.onnx").ToList();
        if (imports.Count == 0)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The model imports no version of the default ONNX operator set (its opset_import has no entry for the domain '' or 'ai.onnx'), so its operators have no defined meaning and ONNX Runtime refuses the file. Re-export the model (OnnxExporter writes opset {OnnxExporter.OpsetVersion})."));
        }

        if (imports.Count > 1)
        {
            // The first 8 versions: a hostile file may repeat the import a million times.
            var versions = string.Join(", ", imports.Take(8).Select(o => o.Version.ToString(CultureInfo.InvariantCulture))) + (imports.Count > 8 ? ", ..." : string.Empty);
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The model imports the default ONNX operator set {imports.Count} times (versions {versions}); which one gives its nodes their meaning is not defined. Keep one import (re-export the model)."));
        }

        var version = imports[0].Version;
        if (version < 1)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The model imports the default ONNX operator set at version {version}; ONNX's opsets start at 1, so the file is damaged. Re-export the model."));
        }

        if (version > Newest)
        {
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"The model imports the default ONNX operator set at version {version}, newer than the newest the quantizer knows ({Newest}): an operator it reads or writes may mean something else there. {ConvertAdvice}"));
        }

        return imports[0];
    }

    /// <summary>
    /// For a model below opset 13: that every node means at 13 what it means at the model's opset, so that raising the
    /// import changes nothing the model computes. Called once <see cref="ProjectionFinder"/> has refused every operator
    /// outside the default domain or unknown to the quantizer.
    /// </summary>
    /// <exception cref="OnnxQuantizationException">A node whose operator changed between the model's opset and 13; names it.</exception>
    public static void RequireRaisable(QuantGraph graph)
    {
        var version = graph.DefaultOpset.Version;
        if (version >= Required)
        {
            return;
        }

        for (var index = 0; index < graph.Graph.Node.Count; index++)
        {
            var opType = graph.Graph.Node[index].OpType;
            var since = OperatorHistory.Since(opType);
            if (since <= version)
            {
                continue;
            }

            var label = graph.Label(index);
            var why = since switch
            {
                > Required => string.Create(CultureInfo.InvariantCulture, $"ONNX defines {opType} only from opset {since}, so the node is not valid at opset {version} or {Required}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"{opType} changed meaning at opset {since}, so raising the opset would silently change what this node computes"),
            };
            throw new OnnxQuantizationException(string.Create(CultureInfo.InvariantCulture, $"Node {QuantGraph.Quote(label)} ({opType}) is in a model of opset {version}, which the quantized model must raise to {Required} (per-channel DequantizeLinear), but {why}. {ConvertAdvice}"), label, string.Empty);
        }
    }
}
