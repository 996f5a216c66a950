"""warroom.screens"""
