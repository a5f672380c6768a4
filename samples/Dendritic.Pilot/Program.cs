using System;
using System.Threading;
using Dendritic.Pilot;

// Ctrl+C stops between epochs; the report of a cancelled run is not written.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return PilotApp.Run(args, cancel.Token);
