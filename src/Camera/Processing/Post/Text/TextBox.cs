namespace EdgeAgent.Camera.Processing.Post.Text;

public readonly record struct Point2(float X, float Y);

/// <summary>
/// A detected text region as a rotated rectangle in source-image pixels. Corners run clockwise
/// from the top-left; Angle (degrees, in (-45, 45]) is the rotation of the Width side from the x axis.
/// </summary>
public sealed record TextBox(Point2[] Corners, Point2 Center, float Width, float Height, float Angle, float Score);
