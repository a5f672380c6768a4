namespace Dendritic;

/// <summary>How new dendrites are trained after a growth step.</summary>
public enum DendriteTrainingMode
{
    /// <summary>Hosts and dendrites train jointly by back-propagation in the user's loop. The default.</summary>
    GradientDescent = 0,

    /// <summary>
    /// Cascade-correlation (Fahlman and Lebiere, 1990, applied per neuron): the new dendrites first train alone, with
    /// every other parameter frozen and their output unconnected, to maximise the covariance between their activation
    /// and their neuron's error signal; then they are frozen, connected through a zero-initialised u, and the network
    /// trains again. See docs/growth-scheduler.md.
    /// </summary>
    CascadeCorrelation = 1,
}
