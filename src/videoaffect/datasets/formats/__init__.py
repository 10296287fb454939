"""Readers of file formats that are not tied to one data set.

* :mod:`.numbers`: a vector of numbers in a text file (comma-, semicolon- or space-separated);
* :mod:`.arff`: one-instance ARFF files;
* :mod:`.opensmile_csv`: openSMILE per-instance output, CSV or ARFF;
* :mod:`.annotations`: per-second valence/arousal label files;
* :mod:`.errors`: `DatasetError`, which all of them raise with the file's name in the message.
"""
