namespace Dendritic.Pilot;

/// <summary>The model the pilot trains (command-line names in brackets). Each has its own defaults (<see cref="PilotOptions.ForModel"/>).</summary>
public enum PilotModel
{
    /// <summary>[mlp] A narrow MLP: flatten → Linear(inputs, width) → ReLU → Linear(width, classes). The default.</summary>
    Mlp = 0,

    /// <summary>[cnn] A small CNN: two 3 × 3 convolutions (width and 2 × width channels) with max pooling, and a Linear head.</summary>
    Cnn = 1,

    /// <summary>[encoder] A small ViT-style Transformer encoder (<see cref="PilotEncoder"/>) of width d_model.</summary>
    Encoder = 2,
}
