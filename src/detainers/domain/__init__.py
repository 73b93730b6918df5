"""The pure domain model: entities, the detainer lifecycle, events, commands and errors.

Standard library only; nothing here touches a database, a network or a clock.
"""
