namespace Dendritic;

/// <summary>How new dendrite weights and biases are drawn (<see cref="DendriteOptions.Initialization"/>).</summary>
public enum DendriteInitialization
{
    /// <summary>
    /// Uniform in ±InitScale/sqrt(fan-in), the host layer's own default scaled (the default before docs/parity.md, with
    /// InitScale 1). Set InitScale with it: its default, 0.01, is the normal distribution's.
    /// </summary>
    HostUniform,

    /// <summary>Normal with mean 0 and standard deviation InitScale, whatever the fan-in (perforatedai's <c>init_params</c>). The default.</summary>
    Normal,
}
