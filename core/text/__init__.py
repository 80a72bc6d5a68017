"""The French text toolkit: words and stems, sentences, dates, numbers, citation markers.

One module per mechanism; everything that reads French text in the project goes through these.
"""
